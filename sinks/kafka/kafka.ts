// The Kafka sink as a registered component. Its implementation (kafka-sink.ts) pulls in kafkajs: it
// is imported only when the sink is enabled (docs/footprint.md).
import type { SinkFactory } from '../sink.ts';
import { KAFKA_METRICS } from './metrics.ts';
import { type KafkaConfig, kafkaOptions } from './options.ts';

export const kafkaSink: SinkFactory<KafkaConfig> = {
  name: 'kafka',
  configKey: 'sinks.kafka',
  options: kafkaOptions,
  metrics: KAFKA_METRICS,
  enabled: (o) => o.enabled,
  create: async (o, ctx) => new (await import('./kafka-sink.ts')).KafkaSink(o, ctx),
};
