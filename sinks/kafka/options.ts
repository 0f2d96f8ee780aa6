// Options of the Kafka sink (`sinks.kafka`; brokers[], topics.{metrics,anomalies,alerts} and
// buffer.{maxMessages,maxBytes} are a fixed contract).
import { z } from 'zod';
import { duration } from '../../core/duration.ts';

const tlsOptions = z.strictObject({
  enabled: z.boolean().default(false),
  /** PEM files; empty means the system's trust store / no client certificate. */
  caFile: z.string().default(''),
  certFile: z.string().default(''),
  keyFile: z.string().default(''),
  /** Verify the broker's certificate (leave on outside of experiments). */
  rejectUnauthorized: z.boolean().default(true),
});

const saslOptions = z.strictObject({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: z.string().min(1),
  /** A file holding the password (a mounted Secret); never the password itself. */
  passwordFile: z.string().min(1),
});

export const kafkaOptions = z
  .strictObject({
    enabled: z.boolean().default(false),
    brokers: z.array(z.string().regex(/^\S+:\d{1,5}$/, { message: 'expected "host:port", e.g. "kafka-0.kafka:9092"' })).default([]),
    clientId: z.string().min(1).default('vigil'),
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
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .default(64 * 1024 * 1024),
      })
      .prefault({}),
    /** How long queued messages wait for more to join their batch. */
    linger: duration().default('100ms'),
    /** At most this many messages per produce request. */
    maxBatchMessages: z.number().int().min(1).default(5000),
    compression: z.enum(['gzip', 'none']).default('gzip'),
    /** Produce requests in flight per broker connection (the idempotent producer keeps order up to 5). */
    maxInFlightRequests: z.number().int().min(1).max(5).default(5),
    /** On shutdown, how long queued messages may take to go out before they are given up (and counted dropped); the agent exits within 5 s of SIGTERM. */
    flushTimeout: duration().default('3s'),
    tls: tlsOptions.prefault({}),
    /** SASL authentication; absent means none. */
    sasl: saslOptions.optional(),
  })
  .superRefine((k, ctx) => {
    if (k.enabled && k.brokers.length === 0)
      ctx.addIssue({ code: 'custom', path: ['brokers'], message: 'at least one broker ("host:port") is needed when the Kafka sink is enabled' });
  });

export type KafkaConfig = z.infer<typeof kafkaOptions>;
