// The Kafka sink's own health, declared as data; the agent adds the samples to every tick's snapshot.
import { counter, gauge, type MetricSpec, NO_LABELS, type Sample } from '../../core/samples.ts';

export const KAFKA_METRICS: readonly MetricSpec[] = [
  { name: 'vigil_kafka_messages_sent_total', help: 'Messages the Kafka brokers acknowledged (acks=all), by topic.', kind: 'counter', labels: ['topic'] },
  { name: 'vigil_kafka_errors_total', help: 'Failed attempts to connect to Kafka or to produce a batch (the batch is retried).', kind: 'counter', labels: [] },
  { name: 'vigil_kafka_buffered_messages', help: 'Messages waiting for delivery to Kafka (queued or in flight).', kind: 'gauge', labels: [] },
  { name: 'vigil_kafka_buffered_bytes', help: 'Bytes of the messages waiting for delivery to Kafka.', kind: 'gauge', labels: [] },
  {
    name: 'vigil_kafka_dropped_total',
    help: 'Messages given up: the oldest pushed out of the full buffer, or left over at shutdown.',
    kind: 'counter',
    labels: [],
  },
  {
    name: 'vigil_kafka_up',
    help: 'Whether the last attempt to deliver to Kafka succeeded (0 while the brokers are unreachable or the sink is misconfigured).',
    kind: 'gauge',
    labels: [],
  },
];

export interface KafkaStats {
  readonly sentByTopic: ReadonlyMap<string, number>;
  readonly errors: number;
  readonly bufferedMessages: number;
  readonly bufferedBytes: number;
  readonly dropped: number;
  readonly up: boolean;
}

/** Per-topic label sets are built once per topic, not per tick. */
export class KafkaSamples {
  private readonly topicLabels = new Map<string, { readonly topic: string }>();

  samples(stats: KafkaStats): Sample[] {
    const out: Sample[] = [];
    for (const [topic, n] of stats.sentByTopic) {
      let labels = this.topicLabels.get(topic);
      if (labels === undefined) this.topicLabels.set(topic, (labels = Object.freeze({ topic })));
      out.push(counter('vigil_kafka_messages_sent_total', labels, n));
    }
    out.push(counter('vigil_kafka_errors_total', NO_LABELS, stats.errors));
    out.push(gauge('vigil_kafka_buffered_messages', NO_LABELS, stats.bufferedMessages));
    out.push(gauge('vigil_kafka_buffered_bytes', NO_LABELS, stats.bufferedBytes));
    out.push(counter('vigil_kafka_dropped_total', NO_LABELS, stats.dropped));
    out.push(gauge('vigil_kafka_up', NO_LABELS, stats.up ? 1 : 0));
    return out;
  }
}
