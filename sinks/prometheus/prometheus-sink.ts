// The Prometheus scrape endpoint: @opentelemetry/exporter-prometheus serving the latest snapshot
// (through SnapshotMetricProducer) plus the SDK's own instruments (process metrics, tick histogram).
// node_exporter compatibility: no otel_scope_name label and no target_info family.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { TickOutput } from '../../core/tick-output.ts';
import type { Sink } from '../sink.ts';
import type { MetricCatalog } from './metric-catalog.ts';
import { SnapshotMetricProducer } from './snapshot-producer.ts';

/** The classic Prometheus text format. */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export class PrometheusSink implements Sink {
  readonly name = 'prometheus';
  readonly producer: SnapshotMetricProducer;
  /** The metric reader to register with the agent's MeterProvider. */
  readonly exporter: PrometheusExporter;

  constructor(catalog: MetricCatalog, startMs: number) {
    this.producer = new SnapshotMetricProducer(catalog, startMs, { colonNamesAsText: true });
    this.exporter = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true,
      metricProducers: [this.producer],
    });
  }

  async start(): Promise<void> {}

  send(tick: TickOutput): void {
    this.producer.update(tick.snapshot);
  }

  /** Handles GET /metrics. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    // Recorded series (names with colons) follow the exporter's text: it would rename them.
    const colonText = this.producer.colonText;
    if (colonText !== '') {
      const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
      res.end = ((chunk?: unknown) => end(typeof chunk === 'string' ? chunk + colonText : chunk)) as typeof res.end;
    }
    this.exporter.getMetricsRequestHandler(req, res);
    // The exporter answers "text/plain" only; the versioned type tells scrapers which format it is.
    res.setHeader('content-type', PROMETHEUS_CONTENT_TYPE);
  }

  async stop(): Promise<void> {
    await this.exporter.shutdown();
  }
}
