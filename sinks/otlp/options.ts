// Options of the OTLP sink (`sinks.otlp`). Endpoints and headers come the standard way, from the
// OTEL_EXPORTER_OTLP_* variables, unless set here.
import { z } from 'zod';
import { duration } from '../../core/duration.ts';

export const OTLP_PROTOCOLS = ['http/protobuf', 'grpc'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const otlpOptions = z.strictObject({
  enabled: z.boolean().default(false),
  /** Base endpoint of both signals; empty means OTEL_EXPORTER_OTLP_ENDPOINT (else the OTLP default). */
  endpoint: z.string().default(''),
  /** Empty means OTEL_EXPORTER_OTLP_PROTOCOL (else http/protobuf). */
  protocol: z.enum(['', ...OTLP_PROTOCOLS]).default(''),
  /** Extra request headers (e.g. an auth token); added to OTEL_EXPORTER_OTLP_HEADERS, winning on clashes. */
  headers: z.record(z.string().min(1), z.string()).default({}),
  /** How often metrics are pushed; empty means OTEL_METRIC_EXPORT_INTERVAL (else 60s, the OTel default). */
  exportInterval: z.union([z.literal(''), duration({ min: 100 })]).default(''),
  /** Export spans of Vigil's own work (tick, collectors, inference, alert delivery). */
  traces: z.boolean().default(true),
  /** service.name when OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES do not set it. */
  serviceName: z.string().min(1).default('vigil'),
});

export type OtlpConfig = z.infer<typeof otlpOptions>;
