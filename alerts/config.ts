// The alerting stage's part of the `alerting:` config section (ruleFiles[], runbookBaseUrl,
// externalLabels, evaluationInterval, persistInterval). The Alertmanager sink declares the rest of the
// section beside itself (alertmanagers[], resendDelay: sinks/alertmanager/options.ts).
import { z } from 'zod';
import { duration } from '../core/duration.ts';

export const alertingOptions = z.strictObject({
  /** Prometheus rule files (globs allowed); empty means the default rules shipped in alerts/rules/. */
  ruleFiles: z.array(z.string().min(1)).default([]),
  /** Base of every alert's runbook_url; empty means this agent's own /runbooks/. */
  runbookBaseUrl: z.string().default(''),
  externalLabels: z.record(z.string(), z.string()).default({}),
  evaluationInterval: duration({ min: 100 }).default('10s'),
  /** How often the rule history and alert state are written to <stateDir>/alerts/ (and always on stop). */
  persistInterval: duration({ min: 1000 }).default('1m'),
  /**
   * Also serve the recording rules' results on /metrics. Off by default: a central Prometheus that
   * runs the same rules would otherwise ingest each recorded series twice.
   */
  exportRecordedSeries: z.boolean().default(false),
});

export type AlertingConfig = z.infer<typeof alertingOptions>;
