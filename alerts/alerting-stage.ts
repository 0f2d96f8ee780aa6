// The evaluate stage's contract: Prometheus alerting rules evaluated over the agent's own history.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { StageContext } from '../core/component.ts';
import { durationMs } from '../core/duration.ts';
import { ErrorCode, type UserError } from '../core/errors.ts';
import type { Snapshot } from '../core/snapshot.ts';
import type { Alert, AlertTransition } from '../core/tick-output.ts';
import type { MetricSpec, Sample } from '../core/samples.ts';
import type { AlertingConfig } from './config.ts';
import type { NameSelector } from './engine/api.ts';
import { loadAlertState, saveAlertState } from './rules/alert-state-file.ts';
import { defaultRuleEngine } from './rules/engine-adapter.ts';
import type { RuleEngine, RuleHistory } from './rules/engine-port.ts';
import { loadRuleFiles } from './rules/load-rules.ts';
import { RULE_METRICS, RuleManager } from './rules/rule-manager.ts';
import { loadRunbooks, runbookViewScriptProblem, shippedRunbooksDir } from './runbooks/render.ts';
import { RUNBOOK_VIEW_METRICS, RunbookViews } from './runbooks/views.ts';
import { logFailure } from '../core/log-failure.ts';

export interface AlertingStage {
  /** The families this stage adds to snapshots (ALERTS, ALERTS_FOR_STATE, vigil_rule_*, vigil_runbook_views_total). */
  readonly metrics: readonly MetricSpec[];
  start(signal: AbortSignal): Promise<void>;
  /** Appends the snapshot to the rule history and evaluates every rule. Never throws. */
  evaluate(snapshot: Snapshot): Promise<{ samples: Sample[]; alerts: Alert[]; transitions: AlertTransition[] }>;
  /** Body of GET /api/v1/alerts, in Prometheus' JSON shape. */
  alertsApi(): unknown;
  /** The runbook of an alert as an HTML page, or undefined when there is none. */
  runbookHtml(alertName: string): string | undefined;
  /** Counts the runbook views in a Faro payload from a runbook page; false when it is not one (see views.ts). */
  faroCollect(body: unknown): boolean;
  /** Persists history and `for` state (crash-safe). */
  stop(): Promise<void>;
}

/** `source`: a digest of the rule files read (names and contents), to tell whether a reload changed them. */
export type AlertingStageResult = { ok: true; stage: AlertingStage; source: string } | { ok: false; errors: UserError[] };

/** Where the stage keeps what survives a restart. */
const alertStateDir = (stateDir: string): string => path.join(stateDir, 'alerts');

class RuleStage implements AlertingStage {
  readonly metrics: readonly MetricSpec[];
  private readonly manager: RuleManager;
  private readonly history: RuleHistory;
  private readonly ctx: StageContext;
  private readonly persistMs: number;
  private readonly runbooks: ReadonlyMap<string, string>;
  private readonly views: RunbookViews;
  private readonly historyFile: string;
  private readonly stateFile: string;
  private timer: NodeJS.Timeout | undefined;
  private persisting: Promise<void> | undefined;
  private lastAlerts: Alert[] = [];

  constructor(
    manager: RuleManager,
    history: RuleHistory,
    runbooks: ReadonlyMap<string, string>,
    persistMs: number,
    ctx: StageContext,
    historyMetrics: readonly MetricSpec[],
  ) {
    this.metrics = [...RULE_METRICS, ...historyMetrics, ...RUNBOOK_VIEW_METRICS];
    this.manager = manager;
    this.history = history;
    this.runbooks = runbooks;
    this.views = new RunbookViews(runbooks.keys());
    this.persistMs = persistMs;
    this.ctx = ctx;
    const dir = alertStateDir(ctx.stateDir);
    this.historyFile = path.join(dir, 'history.bin');
    this.stateFile = path.join(dir, 'alerts.json');
  }

  async start(): Promise<void> {
    const log = this.ctx.logger;
    try {
      await mkdir(alertStateDir(this.ctx.stateDir), { recursive: true });
    } catch (err) {
      log.error(
        { code: ErrorCode.ALERT_STATE_IO, err: (err as Error).message },
        'cannot create the alert state directory; alert state will not survive a restart',
      );
    }
    try {
      if (await this.history.load(this.historyFile)) log.info({ file: this.historyFile }, 'rule history restored');
    } catch (err) {
      log.warn({ code: ErrorCode.ALERT_STATE_IO, file: this.historyFile, err: (err as Error).message }, 'rule history cannot be restored; starting empty');
    }
    const saved = await loadAlertState(this.stateFile);
    if (saved.ok) log.info({ file: this.stateFile, alerts: this.manager.restore(saved.rules) }, 'alert state restored');
    else if (!saved.missing)
      log.warn({ code: ErrorCode.ALERT_STATE_IO, file: this.stateFile, reason: saved.reason }, 'alert state cannot be restored; starting fresh');
    this.timer = setInterval(() => void this.persist(), this.persistMs);
    this.timer.unref();
  }

  async evaluate(snapshot: Snapshot): Promise<{ samples: Sample[]; alerts: Alert[]; transitions: AlertTransition[] }> {
    let transitions: AlertTransition[] = [];
    try {
      this.history.append(snapshot);
      transitions = this.manager.evaluate(this.history, snapshot.timestamp);
      this.lastAlerts = this.manager.alerts();
      for (const t of transitions) this.ctx.logger.info({ alertname: t.alert.labels.alertname, from: t.from, to: t.to }, 'alert state changed');
      return { samples: [...this.manager.samples(), ...this.history.samples(), ...this.views.samples()], alerts: this.lastAlerts, transitions };
    } catch (err) {
      // The contract: never throw into the tick. A failure here is a programmer error; it is logged.
      logFailure(this.ctx.logger, 'error', ErrorCode.ALERT_EVALUATION_FAILED, err, 'alert evaluation failed');
      return { samples: [], alerts: this.lastAlerts, transitions };
    }
  }

  alertsApi(): unknown {
    return this.manager.alertsApi();
  }

  runbookHtml(alertName: string): string | undefined {
    return this.runbooks.get(alertName);
  }

  faroCollect(body: unknown): boolean {
    return this.views.collect(body);
  }

  /** Writes history and alert state; one write at a time (a slow disk skips, never piles up). */
  private persist(): Promise<void> {
    this.persisting ??= (async () => {
      const now = this.ctx.now();
      try {
        await saveAlertState(this.stateFile, this.manager.snapshotState(), now);
        await this.history.save(this.historyFile);
      } catch (err) {
        logFailure(this.ctx.logger, 'warn', ErrorCode.ALERT_STATE_IO, err, 'alert state could not be saved');
      } finally {
        this.persisting = undefined;
      }
    })();
    return this.persisting;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.persisting;
    await this.persist();
  }
}

/** The families of exported recorded series (their help names the rule kind; labels vary per rule). */
function recordedMetrics(names: ReadonlySet<string>, exported: boolean): MetricSpec[] {
  if (!exported) return [];
  return [...names].sort().map((name) => ({ name, help: `Recorded by the Prometheus recording rule ${name}.`, kind: 'gauge' as const, labels: [] }));
}

/** Loads and checks every rule file before anything starts; errors name file, line, rule and reason. */
export async function createAlertingStage(config: AlertingConfig, ctx: StageContext, engine: RuleEngine = defaultRuleEngine): Promise<AlertingStageResult> {
  const loaded = await loadRuleFiles(config.ruleFiles, engine.compile);
  if (loaded.errors.length > 0) return { ok: false, errors: loaded.errors };
  const retention = new Map<string, number>();
  const recordedNames = new Set<string>();
  const nameSelectors: NameSelector[] = [];
  for (const g of loaded.groups) {
    for (const r of g.rules) {
      if (r.def.kind === 'record') recordedNames.add(r.def.alert);
      nameSelectors.push(...r.expr.nameSelectors);
      for (const [metric, ms] of r.expr.lookbackByMetric) retention.set(metric, Math.max(retention.get(metric) ?? 0, ms));
    }
  }
  const manager = new RuleManager(loaded.groups, {
    evaluationIntervalMs: durationMs(config.evaluationInterval),
    // The node label names this node's alerts in Alertmanager unless the user set one.
    externalLabels: { node: ctx.nodeName, ...config.externalLabels },
    externalURL: ctx.externalUrl,
    runbookBase: (config.runbookBaseUrl || `${ctx.externalUrl}/runbooks`).replace(/\/+$/, ''),
    logger: ctx.logger,
    exportRecordedSeries: config.exportRecordedSeries,
  });
  let runbooks = new Map<string, string>();
  try {
    runbooks = loadRunbooks(shippedRunbooksDir());
  } catch (err) {
    logFailure(ctx.logger, 'warn', ErrorCode.RUNBOOKS_UNAVAILABLE, err, 'runbooks cannot be loaded; /runbooks/ serves none');
  }
  const scriptProblem = runbooks.size > 0 ? runbookViewScriptProblem() : undefined;
  if (scriptProblem !== undefined)
    logFailure(
      ctx.logger,
      'warn',
      ErrorCode.RUNBOOKS_UNAVAILABLE,
      scriptProblem,
      'runbook pages are served without the view script; vigil_runbook_views_total stays 0',
    );
  ctx.logger.info({ files: loaded.files.length, groups: loaded.groups.length, rules: manager.ruleCount }, 'rules loaded');
  return {
    ok: true,
    source: loaded.source,
    stage: new RuleStage(manager, engine.createHistory(retention, recordedNames, nameSelectors), runbooks, durationMs(config.persistInterval), ctx, [
      ...engine.historyMetrics,
      ...recordedMetrics(recordedNames, config.exportRecordedSeries),
    ]),
  };
}
