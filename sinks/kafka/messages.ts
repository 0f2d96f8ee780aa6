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

/** The JSON text of a sample value (see jsonValue): what JSON.stringify writes for it. */
const jsonValueText = (v: number): string => (Number.isFinite(v) ? String(v) : Number.isNaN(v) ? '"NaN"' : v > 0 ? '"+Inf"' : '"-Inf"');

/** One family of the current tick: its samples, and the JSON text of its name, kept across ticks. */
interface Family {
  readonly nameJson: string;
  readonly samples: Sample[];
}

/** Turns ticks into queued messages, numbering them; one encoder per agent run. */
export class MessageEncoder {
  private nextSeq = 1;
  private recordTimestamp = '0';
  /** Families of the current tick, reused across ticks (the family map is the per-tick hot path). */
  private readonly families = new Map<string, Family>();

  private readonly node: string;
  private readonly agentInstance: string;
  private readonly topics: Topics;
  /** `{"schema_version":1,"type":"metric_family","node":…,"timestamp":` : the same for every metric message. */
  private readonly metricPrefix: string;
  /** `,"agent_instance":…,"seq":` */
  private readonly instanceText: string;

  constructor(node: string, agentInstance: string, topics: Topics) {
    this.node = node;
    this.agentInstance = agentInstance;
    this.topics = topics;
    this.metricPrefix = `{"schema_version":${SCHEMA_VERSION},"type":"metric_family","node":${JSON.stringify(node)},"timestamp":`;
    this.instanceText = `,"agent_instance":${JSON.stringify(agentInstance)},"seq":`;
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
      if (family === undefined) this.families.set(s.name, { nameJson: JSON.stringify(s.name), samples: [s] });
      else family.samples.push(s);
    }
    // The envelope up to the seq, once per tick.
    const head = `${this.metricPrefix}"${timestamp}"${this.instanceText}`;
    for (const [name, family] of this.families) {
      const samples = family.samples;
      // A family absent from this tick is forgotten, so the map tracks the live set.
      if (samples.length === 0) {
        this.families.delete(name);
        continue;
      }
      const seq = this.nextSeq++;
      emit(this.queuedText(this.topics.metrics, this.metricFamilyJson(head, seq, family.nameJson, samples), seq));
      samples.length = 0;
    }
    for (const a of tick.anomalies) emit(this.queued(this.topics.anomalies, this.anomaly(a, timestamp)));
    for (const t of tick.alertTransitions) emit(this.queued(this.topics.alerts, this.transition(t, timestamp)));
  }

  /**
   * The JSON of one metric_family message, written as text: byte for byte what JSON.stringify writes
   * for the message object (same keys in the same order; messages.test.ts compares them), without
   * building that object and one object per sample first (the per-tick allocation of the sink).
   */
  private metricFamilyJson(head: string, seq: number, nameJson: string, samples: readonly Sample[]): string {
    let json = `${head}${seq},"name":${nameJson},"kind":"${samples[0]!.kind}","samples":[`;
    for (let i = 0; i < samples.length; i++) {
      const s = samples[i]!;
      json += `${i === 0 ? '' : ','}{"labels":${JSON.stringify(s.labels)},"value":${jsonValueText(s.value)}}`;
    }
    return `${json}]}`;
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
    return this.queuedText(topic, JSON.stringify(message), message.seq);
  }

  private queuedText(topic: string, json: string, seq: number): QueuedMessage {
    const value = Buffer.from(json);
    return { topic, key: this.node, value, bytes: value.length, seq, timestamp: this.recordTimestamp };
  }
}
