// The evaluate stage's contract: Prometheus alerting rules evaluated over the agent's own history.
import type { StageContext } from '../agent/component.ts';
import type { UserError } from '../agent/errors.ts';
import type { Snapshot } from '../agent/snapshot.ts';
import type { Alert, AlertTransition } from '../agent/tick-output.ts';
import type { MetricSpec, Sample } from '../collectors/collector.ts';
import type { AlertingConfig } from './config.ts';

export interface AlertingStage {
  /** The families this stage adds to snapshots (ALERTS, ALERTS_FOR_STATE, vigil_rule_*). */
  readonly metrics: readonly MetricSpec[];
  start(signal: AbortSignal): Promise<void>;
  /** Appends the snapshot to the rule history and evaluates every rule. Never throws. */
  evaluate(snapshot: Snapshot): Promise<{ samples: Sample[]; alerts: Alert[]; transitions: AlertTransition[] }>;
  /** Body of GET /api/v1/alerts, in Prometheus' JSON shape. */
  alertsApi(): unknown;
  /** The runbook of an alert as an HTML page, or undefined when there is none. */
  runbookHtml(alertName: string): string | undefined;
  /** Persists history and `for` state (crash-safe). */
  stop(): Promise<void>;
}

export type AlertingStageResult = { ok: true; stage: AlertingStage } | { ok: false; errors: UserError[] };

/** Loads and checks every rule file before anything starts; errors name file, line, rule and reason. */
export async function createAlertingStage(_config: AlertingConfig, _ctx: StageContext): Promise<AlertingStageResult> {
  // Placeholder until the rule engine lands: no rules.
  return {
    ok: true,
    stage: {
      metrics: [],
      start: async () => {},
      evaluate: async () => ({ samples: [], alerts: [], transitions: [] }),
      alertsApi: () => ({ status: 'success', data: { alerts: [] } }),
      runbookHtml: () => undefined,
      stop: async () => {},
    },
  };
}
