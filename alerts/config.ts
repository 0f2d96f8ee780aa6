// The `alerting:` config section (keys are a fixed contract: alertmanagers[] (url + auth/TLS),
// ruleFiles[], runbookBaseUrl, externalLabels, resendDelay, evaluationInterval).
import { z } from 'zod';
import { duration } from '../core/duration.ts';

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

export const alertingOptions = z.strictObject({
  alertmanagers: z.array(alertmanager).default([]),
  /** Prometheus rule files (globs allowed); empty means the default rules shipped in alerts/rules/. */
  ruleFiles: z.array(z.string().min(1)).default([]),
  /** Base of every alert's runbook_url; empty means this agent's own /runbooks/. */
  runbookBaseUrl: z.string().default(''),
  externalLabels: z.record(z.string(), z.string()).default({}),
  resendDelay: duration({ min: 1000 }).default('1m'),
  evaluationInterval: duration({ min: 100 }).default('10s'),
  /** How often the rule history and alert state are written to <stateDir>/alerts/ (and always on stop). */
  persistInterval: duration({ min: 1000 }).default('1m'),
});

export type AlertingConfig = z.infer<typeof alertingOptions>;
export type AlertmanagerConfig = z.infer<typeof alertmanager>;
