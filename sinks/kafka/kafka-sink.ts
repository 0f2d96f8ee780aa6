// The Kafka sink: send() encodes the tick and queues it in a bounded buffer (never waits on the
// network); one delivery loop drains the buffer in batches to an idempotent producer (acks=all,
// gzip). While the brokers are unreachable the loop retries with backoff and the buffer drops its
// oldest messages, counted; on shutdown it flushes until `flushTimeout`, then gives up what is left.
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { SinkContext } from '../../core/component.ts';
import { durationMs } from '../../core/duration.ts';
import { ErrorCode, formatUserError } from '../../core/errors.ts';
import type { TickOutput } from '../../core/tick-output.ts';
import type { MetricSpec, Sample } from '../../core/samples.ts';
import type { KafkaConfig } from './options.ts';
import type { Sink } from '../sink.ts';
import { BoundedBuffer } from './bounded-buffer.ts';
import { clientOptions } from './client-config.ts';
import { kafkaLogLevel, pinoLogCreator } from './kafka-logger.ts';
import { MessageEncoder, type QueuedMessage } from './messages.ts';
import { KAFKA_METRICS, KafkaSamples } from './metrics.ts';
import { keyCachingPartitioner } from './partitioner.ts';
import { Backoff } from '../../core/backoff.ts';
import { withTimeout } from '../../core/with-timeout.ts';

/** Kafka's default message.max.bytes is ~1 MB per record batch; uncompressed batches stay under it. */
const MAX_REQUEST_BYTES = 1_000_000;
const BACKOFF_INITIAL_MS = 500;
const BACKOFF_MAX_MS = 15_000;

export class KafkaSink implements Sink {
  readonly name = 'kafka';
  readonly metrics: readonly MetricSpec[] = KAFKA_METRICS;
  private readonly config: KafkaConfig;
  private readonly logger: Logger;
  private readonly buffer: BoundedBuffer<QueuedMessage>;
  private readonly encoder: MessageEncoder;
  private readonly samples = new KafkaSamples();
  private readonly sentByTopic = new Map<string, number>();
  private readonly lingerMs: number;
  private readonly compression: CompressionTypes;
  /** The batch being produced; counted as buffered until acknowledged. */
  private inFlight: QueuedMessage[] = [];
  /** Ticks handed over by send() and not encoded yet (encoded on the next turn of the event loop). */
  private readonly pending: TickOutput[] = [];
  private inFlightBytes = 0;
  private errors = 0;
  private up = false;
  private failing = false;
  private stopping = false;
  private producer: Producer | undefined;
  private connected = false;
  /** Set when stop() gave up waiting: the loop ends at its next turn. */
  private abandoned = false;
  /** Whether send() may end the loop's wait: only an idle wait, never a backoff or linger. */
  private idle = false;
  private loop: Promise<void> | undefined;
  /** Ends the loop's current wait early (new messages, shutdown). */
  private wake: (() => void) | undefined;

  constructor(config: KafkaConfig, ctx: SinkContext) {
    this.config = config;
    this.logger = ctx.logger.child({ sink: 'kafka' });
    this.buffer = new BoundedBuffer(config.buffer.maxMessages, config.buffer.maxBytes);
    this.encoder = new MessageEncoder(ctx.nodeName, randomUUID(), config.topics);
    this.lingerMs = durationMs(config.linger);
    this.compression = config.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    for (const topic of [config.topics.metrics, config.topics.anomalies, config.topics.alerts]) this.sentByTopic.set(topic, 0);
  }

  async start(signal: AbortSignal): Promise<void> {
    const client = await clientOptions(this.config);
    if (!client.ok) {
      // Misconfigured: stays off (vigil_kafka_up 0), messages are dropped and counted; the agent runs on.
      for (const e of client.errors) this.logger.error({ code: e.code, where: e.where }, formatUserError(e));
      return;
    }
    const kafka = new Kafka({
      ...client.options,
      connectionTimeout: 3000,
      requestTimeout: 10_000,
      // Few retries inside kafkajs: this sink's loop retries on top, with its own backoff.
      retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 3000 },
      logLevel: kafkaLogLevel(this.logger),
      logCreator: pinoLogCreator(this.logger),
    });
    signal.addEventListener('abort', () => this.wake?.(), { once: true });
    this.loop = this.deliver(kafka);
  }

  /** Only keeps the tick: encoding (a few ms for thousands of samples) runs right after the tick, not inside it. */
  send(tick: TickOutput): void {
    this.pending.push(tick);
    if (this.pending.length === 1) setImmediate(this.encodePending);
  }

  private readonly encodePending = (): void => {
    for (const tick of this.pending) this.encoder.encode(tick, this.enqueue);
    this.pending.length = 0;
    if (this.idle) this.wake?.();
  };

  private readonly enqueue = (m: QueuedMessage): void => this.buffer.push(m);

  selfSamples(): readonly Sample[] {
    return this.samples.samples({
      sentByTopic: this.sentByTopic,
      errors: this.errors,
      bufferedMessages: this.buffer.length + this.inFlight.length,
      bufferedBytes: this.buffer.bytes + this.inFlightBytes,
      dropped: this.buffer.dropped,
      up: this.up,
    });
  }

  async stop(): Promise<void> {
    this.encodePending();
    this.stopping = true;
    this.wake?.();
    const deadlineMs = durationMs(this.config.flushTimeout);
    const flushed = this.loop === undefined || (await withTimeout(this.loop, deadlineMs)).done;
    this.abandoned = true;
    this.wake?.();
    // What did not go out by the deadline is given up and counted (the in-flight batch included).
    const lost = this.buffer.dropAll() + (flushed ? 0 : this.giveUpInFlight());
    await this.producer?.disconnect().catch(() => undefined);
    const sent = [...this.sentByTopic.values()].reduce((a, b) => a + b, 0);
    this.logger.info({ sent, dropped: this.buffer.dropped, lostAtShutdown: lost, encoded: this.encoder.encoded }, 'kafka sink stopped');
  }

  /** Counts the batch still waiting for its acknowledgement as dropped; returns how many that was. */
  private giveUpInFlight(): number {
    this.buffer.requeueFront(this.inFlight);
    this.inFlight = [];
    this.inFlightBytes = 0;
    return this.buffer.dropAll();
  }

  private async deliver(kafka: Kafka): Promise<void> {
    const backoff = new Backoff(BACKOFF_INITIAL_MS, BACKOFF_MAX_MS);
    const batch: QueuedMessage[] = [];
    for (;;) {
      if (this.abandoned) return;
      if (this.buffer.length === 0) {
        if (this.stopping) return;
        await this.sleep(Number.POSITIVE_INFINITY);
        continue;
      }
      if (backoff.currentDelayMs > 0) {
        // stop() ends this wait, so one more attempt is made at once; stop()'s deadline bounds the flush.
        await this.sleep(backoff.currentDelayMs);
      } else if (this.lingerMs > 0 && !this.stopping && this.buffer.length < this.config.maxBatchMessages) {
        await this.sleep(this.lingerMs);
      }
      try {
        const producer = (this.producer ??= this.createProducer(kafka));
        if (!this.connected) {
          await producer.connect();
          this.connected = true;
        }
        batch.length = 0;
        this.buffer.takeInto(batch, this.config.maxBatchMessages, MAX_REQUEST_BYTES);
        this.inFlight = batch;
        this.inFlightBytes = batch.reduce((n, m) => n + m.bytes, 0);
        await producer.sendBatch({ topicMessages: byTopic(batch), acks: -1, compression: this.compression });
        for (const m of batch) this.sentByTopic.set(m.topic, (this.sentByTopic.get(m.topic) ?? 0) + 1);
        this.inFlight = [];
        this.inFlightBytes = 0;
        backoff.succeeded();
        this.delivered();
      } catch (err) {
        // Back to the front of the queue; if newer messages filled it meanwhile, these oldest are dropped.
        this.buffer.requeueFront(this.inFlight);
        this.inFlight = [];
        this.inFlightBytes = 0;
        this.errors++;
        backoff.failed(Date.now());
        this.failed(err as Error, backoff.currentDelayMs);
        // A fresh producer (new producer id) after a failure: the old one's sequence state may be stale.
        const old = this.producer;
        this.producer = undefined;
        this.connected = false;
        await old?.disconnect().catch(() => undefined);
      }
    }
  }

  private createProducer(kafka: Kafka): Producer {
    return kafka.producer({
      idempotent: true,
      maxInFlightRequests: this.config.maxInFlightRequests,
      allowAutoTopicCreation: true,
      createPartitioner: keyCachingPartitioner,
      retry: { retries: 3, initialRetryTime: 300, maxRetryTime: 3000 },
    });
  }

  private delivered(): void {
    this.up = true;
    if (this.failing) {
      this.failing = false;
      this.logger.info({ buffered: this.buffer.length, dropped: this.buffer.dropped }, 'kafka delivery resumed');
    }
  }

  private failed(err: Error, retryInMs: number): void {
    this.up = false;
    // Once per outage at warn; every further failure at debug (kafkajs logs its own retries).
    const fields = { code: ErrorCode.KAFKA_DELIVERY, err: err.message, retryInMs, buffered: this.buffer.length, dropped: this.buffer.dropped };
    if (!this.failing) this.logger.warn(fields, 'kafka delivery failing; buffering');
    else this.logger.debug(fields, 'kafka delivery still failing');
    this.failing = true;
  }

  private sleep(ms: number): Promise<void> {
    if (this.abandoned || (this.stopping && ms === Number.POSITIVE_INFINITY)) return Promise.resolve();
    this.idle = ms === Number.POSITIVE_INFINITY;
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        this.idle = false;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

function byTopic(batch: readonly QueuedMessage[]): TopicMessages[] {
  const topics = new Map<string, TopicMessages>();
  for (const m of batch) {
    let t = topics.get(m.topic);
    if (t === undefined) topics.set(m.topic, (t = { topic: m.topic, messages: [] }));
    t.messages.push({ key: m.key, value: m.value, timestamp: m.timestamp });
  }
  return [...topics.values()];
}
