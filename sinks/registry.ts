// Delivery sinks besides /metrics, created from config. Plain list, no import side effects.
import type { SinkContext } from '../agent/component.ts';
import type { Config } from '../agent/config.ts';
import type { MetricCatalog } from './prometheus/metric-catalog.ts';
import type { Sink } from './sink.ts';

export interface SinkDeps {
  /** Every metric family the agent can emit (OTLP exports the same set as /metrics). */
  readonly catalog: MetricCatalog;
}

export function createSinks(_config: Config, _ctx: SinkContext, _deps: SinkDeps): Sink[] {
  // OTLP, Kafka and Alertmanager sinks are added here as they land.
  return [];
}
