// The OTLP exporters for each protocol, wrapped to count outcomes (the SDK retries retryable failures
// itself; the wrapper sees the final result of each export) and, for metrics, to stamp Vigil's
// resource on what the agent's shared MeterProvider collected.
import { Metadata } from '@grpc/grpc-js';
import type { ExportResult } from '@opentelemetry/core';
import { ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter as GrpcMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Resource } from '@opentelemetry/resources';
import type { AggregationTemporality, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Signal, SignalSettings } from './settings.ts';

/** Receives the final result of every export. */
export type ExportObserver = (signal: Signal, result: ExportResult) => void;

function metadata(headers: Readonly<Record<string, string>>): Metadata {
  const m = new Metadata();
  for (const [k, v] of Object.entries(headers)) m.set(k, v);
  return m;
}

export function metricExporter(s: SignalSettings, timeoutMillis: number): PushMetricExporter {
  return s.protocol === 'grpc'
    ? new GrpcMetricExporter({ url: s.url, metadata: metadata(s.headers), timeoutMillis })
    : new ProtoMetricExporter({ url: s.url, headers: { ...s.headers }, timeoutMillis });
}

export function spanExporter(s: SignalSettings): SpanExporter {
  return s.protocol === 'grpc'
    ? new GrpcTraceExporter({ url: s.url, metadata: metadata(s.headers) })
    : new ProtoTraceExporter({ url: s.url, headers: { ...s.headers } });
}

export class ObservedMetricExporter implements PushMetricExporter {
  private readonly inner: PushMetricExporter;
  private readonly resource: Resource;
  private readonly observe: ExportObserver;

  constructor(inner: PushMetricExporter, resource: Resource, observe: ExportObserver) {
    this.inner = inner;
    this.resource = resource;
    this.observe = observe;
  }

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.inner.export({ resource: this.resource, scopeMetrics: metrics.scopeMetrics }, (result) => {
      this.observe('metrics', result);
      done(result);
    });
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.inner.selectAggregationTemporality!(type);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export class ObservedSpanExporter implements SpanExporter {
  private readonly inner: SpanExporter;
  private readonly observe: ExportObserver;

  constructor(inner: SpanExporter, observe: ExportObserver) {
    this.inner = inner;
    this.observe = observe;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.observe('traces', result);
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

export const failed = (r: ExportResult): boolean => r.code !== ExportResultCode.SUCCESS;
