// The OTLP sink: the same metrics as /metrics (the latest snapshot through a SnapshotMetricProducer,
// plus the SDK instruments such as the tick histogram), pushed by a PeriodicExportingMetricReader
// that the agent registers with its MeterProvider; and spans of Vigil's own work, through a tracer
// provider registered as the global one while the sink runs (the agent's tracer is a no-op otherwise).
import { trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { type MetricReader, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { Logger } from 'pino';
import type { SinkContext } from '../../core/component.ts';
import { ErrorCode } from '../../core/errors.ts';
import type { TickOutput } from '../../core/tick-output.ts';
import type { MetricSpec, Sample } from '../../core/samples.ts';
import type { OtlpConfig } from './options.ts';
import type { MetricCatalog } from '../prometheus/metric-catalog.ts';
import { SnapshotMetricProducer } from '../prometheus/snapshot-producer.ts';
import type { Sink } from '../sink.ts';
import { failed, metricExporter, ObservedMetricExporter, ObservedSpanExporter, spanExporter } from './exporters.ts';
import { ExportCounts, OTLP_METRICS } from './metrics.ts';
import { vigilResource } from './resource.ts';
import { type OtlpSettings, resolveOtlpSettings, type Signal } from './settings.ts';
import { logFailure } from '../../core/log-failure.ts';

export class OtlpSink implements Sink {
  readonly name = 'otlp';
  readonly metrics: readonly MetricSpec[] = OTLP_METRICS;
  readonly metricReaders: readonly MetricReader[];
  private readonly logger: Logger;
  private readonly settings: OtlpSettings;
  private readonly resource: Resource;
  /** Converts the latest snapshot when the reader collects (once per export interval), and keeps nothing after. */
  private readonly producer: SnapshotMetricProducer;
  private readonly counts = new ExportCounts();
  private readonly signals: readonly Signal[];
  private readonly failing: Record<Signal, boolean> = { metrics: false, traces: false };
  private tracerProvider: BasicTracerProvider | undefined;

  private readonly config: OtlpConfig;

  constructor(config: OtlpConfig, ctx: SinkContext, catalog: MetricCatalog) {
    this.config = config;
    this.logger = ctx.logger.child({ sink: 'otlp' });
    this.settings = resolveOtlpSettings(config, ctx.env);
    this.resource = vigilResource({ serviceName: config.serviceName, nodeName: ctx.nodeName, env: ctx.env });
    this.producer = new SnapshotMetricProducer(catalog, ctx.now(), { keepConverted: false });
    this.signals = config.traces ? ['metrics', 'traces'] : ['metrics'];
    const exporter = new ObservedMetricExporter(metricExporter(this.settings.metrics, this.settings.exportTimeoutMs), this.resource, this.observe);
    this.metricReaders = [
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: this.settings.exportIntervalMs,
        exportTimeoutMillis: this.settings.exportTimeoutMs,
        metricProducers: [this.producer],
      }),
    ];
  }

  async start(_signal: AbortSignal): Promise<void> {
    for (const w of this.settings.warnings) this.logger.warn({ code: ErrorCode.CONFIG_INVALID }, w);
    if (this.config.traces) {
      // The OpenTelemetry Node SDK's tracer provider, loaded only when traces are on (the SDK is large).
      // Not NodeSDK itself: it builds its own MeterProvider and reads process.env, where Vigil's
      // metrics must go through the agent's one MeterProvider and components never read the env.
      const { node, tracing } = await import('@opentelemetry/sdk-node');
      this.tracerProvider = new node.NodeTracerProvider({
        resource: this.resource,
        spanProcessors: [
          new tracing.BatchSpanProcessor(new ObservedSpanExporter(spanExporter(this.settings.traces), this.observe), { scheduledDelayMillis: 1000 }),
        ],
      });
      if (!trace.setGlobalTracerProvider(this.tracerProvider)) this.logger.warn('a global tracer provider was already registered; Vigil spans go there');
    }
    // Where, never the headers: they may carry tokens.
    this.logger.info(
      {
        metrics: { protocol: this.settings.metrics.protocol, url: this.settings.metrics.url },
        traces: this.config.traces ? { protocol: this.settings.traces.protocol, url: this.settings.traces.url } : false,
        exportIntervalMs: this.settings.exportIntervalMs,
        resource: this.resource.attributes,
      },
      'otlp export started',
    );
  }

  send(tick: TickOutput): void {
    this.producer.update(tick.snapshot);
  }

  selfSamples(): readonly Sample[] {
    return this.counts.samples(this.signals);
  }

  /** The metric reader is shut down (with a last export) by the agent's MeterProvider; spans are flushed here. */
  async stop(): Promise<void> {
    const provider = this.tracerProvider;
    this.tracerProvider = undefined;
    if (provider !== undefined) {
      trace.disable();
      await provider.shutdown().catch(() => undefined);
    }
  }

  private readonly observe = (signal: Signal, result: ExportResult): void => {
    this.counts.exports[signal]++;
    if (failed(result)) {
      this.counts.failures[signal]++;
      if (!this.failing[signal]) {
        this.failing[signal] = true;
        const url = this.settings[signal].url;
        logFailure(this.logger, 'warn', ErrorCode.OTLP_EXPORT_FAILED, result.error, 'otlp export failing', { signal, url });
      }
    } else if (this.failing[signal]) {
      this.failing[signal] = false;
      this.logger.info({ signal }, 'otlp export resumed');
    }
  };
}
