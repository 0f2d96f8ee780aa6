// The OTLP sink as a registered component. Its implementation (otlp-sink.ts) pulls in the OTLP
// exporters, gRPC and protobuf: it is imported only when the sink is enabled (docs/footprint.md).
import type { SinkFactory } from '../sink.ts';
import { OTLP_METRICS } from './metrics.ts';
import { type OtlpConfig, otlpOptions } from './options.ts';

export const otlpSink: SinkFactory<OtlpConfig> = {
  name: 'otlp',
  configKey: 'sinks.otlp',
  options: otlpOptions,
  metrics: OTLP_METRICS,
  enabled: (o) => o.enabled,
  create: async (o, ctx) => new (await import('./otlp-sink.ts')).OtlpSink(o, ctx, ctx.catalog),
};
