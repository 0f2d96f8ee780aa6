// The JSON messages Vigil writes to Kafka, schema version 1 (docs/kafka.md, docs/schemas/kafka-*.schema.json).
// Metric samples go out as one message per metric family per tick: a node emits a few hundred families
// and a few thousand samples per tick, and one message per sample would repeat the envelope (node,
// timestamp, name, kind) thousands of times and cost the broker as many records (see BENCHMARKS.md).
import type { Labels, Sample } from '../../core/samples.ts';
import type { AlertTransition, AnomalyScore, TickOutput } from '../../core/tick-output.ts';
import type { Sized } from './bounded-buffer.ts';

const SCHEMA_VERSION = 1;

export type MessageType = 'metric_family' | 'anomaly_score' | 'alert_transition';

/** The fields every message starts with. */
interface Envelope {
  readonly schema_version: typeof SCHEMA_VERSION;
  readonly type: MessageType;
  /** The node the agent runs on (also the message key). */
  readonly node: string;
  /** The tick's time, RFC 3339 UTC with milliseconds. */
  readonly timestamp: string;
  /** Identifies one run of the agent; `seq` counts within it. */
  readonly agent_instance: string;
  /** 1, 2, 3… across all of this run's messages and topics; a gap means messages were dropped. */
  readonly seq: number;
}

/** A sample value as JSON has it: a number, or Prometheus' spelling of the values JSON cannot hold. */
export type JsonValue = number | 'NaN' | '+Inf' | '-Inf';

interface MetricFamilyMessage extends Envelope {
  readonly type: 'metric_family';
  readonly name: string;
  readonly kind: 'counter' | 'gauge';
  readonly samples: readonly { readonly labels: Labels; readonly value: JsonValue }[];
}

export interface AnomalyScoreMessage extends Envelope {
  readonly type: 'anomaly_score';
  readonly metric: string;
  readonly labels: Labels;
  readonly value: JsonValue;
  readonly score: number;
  readonly anomalous: boolean;
}

export interface AlertTransitionMessage extends Envelope {
  readonly type: 'alert_transition';
  readonly alertname: string;
  readonly from: string;
  readonly to: string;
  /** When the state changed, RFC 3339. */
  readonly at: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly active_at: string;
  readonly fired_at?: string;
  readonly resolved_at?: string;
  readonly value: JsonValue;
  readonly generator_url: string;
}

export type VigilMessage = MetricFamilyMessage | AnomalyScoreMessage | AlertTransitionMessage;

/** One encoded message waiting in the buffer. */
export interface QueuedMessage extends Sized {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly seq: number;
  /** The record's timestamp: the tick's, in ms since the epoch as kafkajs wants it (a string). */
  readonly timestamp: string;
}

export interface Topics {
  readonly metrics: string;
  readonly anomalies: string;
  readonly alerts: string;
}

export const jsonValue = (v: number): JsonValue => (Number.isFinite(v) ? v : Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf');

const iso = (ms: number): string => new Date(ms).toISOString();

/** Turns ticks into queued messages, numbering them; one encoder per agent run. */
export class MessageEncoder {
  private nextSeq = 1;
  private recordTimestamp = '0';
  /** Families of the current tick, reused across ticks (the family map is the per-tick hot path). */
  private readonly families = new Map<string, Sample[]>();

  private readonly node: string;
  private readonly agentInstance: string;
  private readonly topics: Topics;

  constructor(node: string, agentInstance: string, topics: Topics) {
    this.node = node;
    this.agentInstance = agentInstance;
    this.topics = topics;
  }

  /** Messages handed out so far (the last seq). */
  get encoded(): number {
    return this.nextSeq - 1;
  }

  /** Encodes one tick: one message per metric family, per anomaly score and per alert transition. */
  encode(tick: TickOutput, emit: (m: QueuedMessage) => void): void {
    const timestamp = iso(tick.snapshot.timestamp);
    this.recordTimestamp = String(tick.snapshot.timestamp);
    for (const s of tick.snapshot.samples) {
      const family = this.families.get(s.name);
      if (family === undefined) this.families.set(s.name, [s]);
      else family.push(s);
    }
    for (const [name, samples] of this.families) {
      // A family absent from this tick is forgotten, so the map tracks the live set.
      if (samples.length === 0) {
        this.families.delete(name);
        continue;
      }
      emit(
        this.queued(this.topics.metrics, {
          ...this.envelope('metric_family', timestamp),
          name,
          kind: samples[0]!.kind,
          samples: samples.map((s) => ({ labels: s.labels, value: jsonValue(s.value) })),
        }),
      );
      samples.length = 0;
    }
    for (const a of tick.anomalies) emit(this.queued(this.topics.anomalies, this.anomaly(a, timestamp)));
    for (const t of tick.alertTransitions) emit(this.queued(this.topics.alerts, this.transition(t, timestamp)));
  }

  private envelope<T extends MessageType>(type: T, timestamp: string) {
    return { schema_version: SCHEMA_VERSION, type, node: this.node, timestamp, agent_instance: this.agentInstance, seq: this.nextSeq++ } as const;
  }

  private anomaly(a: AnomalyScore, timestamp: string): AnomalyScoreMessage {
    return {
      ...this.envelope('anomaly_score', timestamp),
      metric: a.metric,
      labels: a.labels,
      value: jsonValue(a.value),
      score: a.score,
      anomalous: a.anomalous,
    };
  }

  private transition(t: AlertTransition, timestamp: string): AlertTransitionMessage {
    const a = t.alert;
    return {
      ...this.envelope('alert_transition', timestamp),
      alertname: a.labels.alertname ?? '',
      from: t.from,
      to: t.to,
      at: iso(t.at),
      labels: a.labels,
      annotations: a.annotations,
      active_at: iso(a.activeAt),
      ...(a.firedAt !== undefined ? { fired_at: iso(a.firedAt) } : {}),
      ...(a.resolvedAt !== undefined ? { resolved_at: iso(a.resolvedAt) } : {}),
      value: jsonValue(a.value),
      generator_url: a.generatorURL,
    };
  }

  private queued(topic: string, message: VigilMessage): QueuedMessage {
    const value = Buffer.from(JSON.stringify(message));
    return { topic, key: this.node, value, bytes: value.length, seq: message.seq, timestamp: this.recordTimestamp };
  }
}
