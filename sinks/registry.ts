// Delivery sinks besides /metrics, created from config. Plain list, no import side effects.
import type { SinkContext } from '../core/component.ts';
import type { Config } from '../agent/config.ts';
import { AlertmanagerSink } from './alertmanager/alertmanager-sink.ts';
import { KafkaSink } from './kafka/kafka-sink.ts';
import { OtlpSink } from './otlp/otlp-sink.ts';
import type { MetricCatalog } from './prometheus/metric-catalog.ts';
import type { Sink } from './sink.ts';

export interface SinkDeps {
  /** Every metric family the agent can emit (OTLP exports the same set as /metrics). */
  readonly catalog: MetricCatalog;
}

export function createSinks(config: Config, ctx: SinkContext, deps: SinkDeps): Sink[] {
  const sinks: Sink[] = [];
  if (config.sinks.otlp.enabled) sinks.push(new OtlpSink(config.sinks.otlp, ctx, deps.catalog));
  if (config.sinks.kafka.enabled) sinks.push(new KafkaSink(config.sinks.kafka, ctx));
  if (config.alerting.alertmanagers.length > 0) sinks.push(new AlertmanagerSink(config.alerting, { logger: ctx.logger.child({ sink: 'alertmanager' }) }));
  return sinks;
}
