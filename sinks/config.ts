// The `sinks:` config section (keys are a fixed contract: otlp.enabled, kafka.enabled, kafka.brokers[],
// kafka.topics.{metrics,anomalies,alerts}, kafka.buffer.{maxMessages,maxBytes}). OTLP endpoints and
// headers come the standard way, from OTEL_EXPORTER_OTLP_* variables, unless set here.
import { z } from 'zod';

export const sinksOptions = z.strictObject({
  otlp: z
    .strictObject({
      enabled: z.boolean().default(false),
    })
    .prefault({}),
  kafka: z
    .strictObject({
      enabled: z.boolean().default(false),
      brokers: z.array(z.string().min(1)).default([]),
      topics: z
        .strictObject({
          metrics: z.string().min(1).default('vigil.metrics'),
          anomalies: z.string().min(1).default('vigil.anomalies'),
          alerts: z.string().min(1).default('vigil.alerts'),
        })
        .prefault({}),
      buffer: z
        .strictObject({
          maxMessages: z.number().int().min(1).default(100000),
          maxBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type SinksConfig = z.infer<typeof sinksOptions>;
