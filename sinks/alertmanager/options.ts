// Options of the Alertmanager sink, at the `alerting:` section beside the alerting stage's own
// (keys are a fixed contract: alertmanagers[] with url + auth/TLS, resendDelay).
import { z } from 'zod';
import { duration } from '../../core/duration.ts';

const alertmanager = z.strictObject({
  /** Base URL of the Alertmanager; /api/v2/alerts is appended unless the URL already ends with it. */
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  timeout: duration({ min: 10 }).default('10s'),
  basicAuth: z.strictObject({ username: z.string().min(1), passwordFile: z.string().min(1) }).optional(),
  bearerTokenFile: z.string().min(1).optional(),
  tls: z
    .strictObject({
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      serverName: z.string().min(1).optional(),
      insecureSkipVerify: z.boolean().default(false),
    })
    .optional(),
});

export const alertmanagerSinkOptions = z.strictObject({
  alertmanagers: z.array(alertmanager).default([]),
  /** How often a firing alert is re-sent to Alertmanager (Prometheus' --rules.alert.resend-delay). */
  resendDelay: duration({ min: 1000 }).default('1m'),
});

export type AlertmanagerSinkConfig = z.infer<typeof alertmanagerSinkOptions>;
export type AlertmanagerConfig = AlertmanagerSinkConfig['alertmanagers'][number];
