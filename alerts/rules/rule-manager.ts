// The rule groups and their schedule: each group evaluates when its interval is due (at a tick), each
// rule over the shared history; failures stay in their rule and are counted per group. Also renders
// what the rest of the agent reads: ALERTS/ALERTS_FOR_STATE samples, the Alert list, /api/v1/alerts.
import type { Logger } from 'pino';
import type { Alert, AlertTransition } from '../../core/tick-output.ts';
import { ErrorCode } from '../../core/errors.ts';
import { counter, gauge, type Labels, type MetricSpec, type Sample } from '../../core/samples.ts';
import type { HistoryReader, VectorSample } from '../engine/api.ts';
import { type ActiveAlert, AlertingRule, type RuleContext } from './alerting-rule.ts';
import { ruleKey } from './alert-state-file.ts';
import { formatE } from './go-format.ts';
import type { LoadedGroup } from './load-rules.ts';
import { logFailure } from '../../core/log-failure.ts';

export const RULE_METRICS: readonly MetricSpec[] = [
  { name: 'ALERTS', help: 'Alerts that are pending or firing, with the alert labels (as Prometheus names it).', kind: 'gauge', labels: ['alertname', 'alertstate'] },
  { name: 'ALERTS_FOR_STATE', help: 'The time (seconds since the epoch) each pending or firing alert became active.', kind: 'gauge', labels: ['alertname'] },
  { name: 'vigil_rule_evaluations_total', help: 'Rule evaluations, per rule group.', kind: 'counter', labels: ['rule_group'] },
  { name: 'vigil_rule_evaluation_failures_total', help: 'Rule evaluations that failed, per rule group.', kind: 'counter', labels: ['rule_group'] },
  { name: 'vigil_rule_evaluation_duration_seconds', help: 'How long the last evaluation of the rule group took.', kind: 'gauge', labels: ['rule_group'] },
  { name: 'vigil_rule_group_rules', help: 'Alerting rules loaded, per rule group.', kind: 'gauge', labels: ['rule_group'] },
];

export interface RuleManagerOptions {
  readonly evaluationIntervalMs: number;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  /** Base of runbook_url ("…/runbooks"); the alert name is appended. */
  readonly runbookBase: string;
  readonly logger: Logger;
}

interface GroupState {
  readonly name: string;
  readonly key: string;
  readonly intervalMs: number;
  readonly rules: readonly AlertingRule[];
  lastEvalAt: number | undefined;
  evaluations: number;
  failures: number;
  lastDurationS: number;
  readonly failing: Set<string>;
}

/** A tick can come a little early (timer jitter); a group counts as due within this tolerance. */
const dueTolerance = (intervalMs: number): number => Math.min(intervalMs * 0.05, 1000);

export class RuleManager {
  private readonly groups: GroupState[];
  private readonly opts: RuleManagerOptions;

  constructor(groups: readonly LoadedGroup[], opts: RuleManagerOptions) {
    this.opts = opts;
    this.groups = groups.map((g) => ({
      name: g.name,
      key: `${g.file}\u0000${g.name}`,
      intervalMs: g.intervalMs ?? opts.evaluationIntervalMs,
      rules: g.rules.map((r) => {
        const ctx: RuleContext = { externalLabels: opts.externalLabels, externalURL: opts.externalURL, runbookUrl: `${opts.runbookBase}/${r.def.alert}` };
        return new AlertingRule(r, ctx);
      }),
      lastEvalAt: undefined,
      evaluations: 0,
      failures: 0,
      lastDurationS: 0,
      failing: new Set(),
    }));
  }

  get ruleCount(): number {
    return this.groups.reduce((n, g) => n + g.rules.length, 0);
  }

  /** Evaluates the groups that are due at `ts`; returns the state changes. */
  evaluate(history: HistoryReader, ts: number): AlertTransition[] {
    const transitions: AlertTransition[] = [];
    for (const g of this.groups) {
      if (g.lastEvalAt !== undefined && ts - g.lastEvalAt < g.intervalMs - dueTolerance(g.intervalMs)) continue;
      g.lastEvalAt = ts;
      const t0 = performance.now();
      for (const rule of g.rules) {
        g.evaluations++;
        try {
          const changes = rule.eval(this.query(rule, history, ts), ts);
          for (const c of changes) transitions.push({ alert: this.toAlert(rule, c.alert), from: c.from, to: c.to, at: ts });
          if (g.failing.delete(rule.name)) this.opts.logger.info({ rule_group: g.name, rule: rule.name }, 'rule evaluates again');
        } catch (err) {
          g.failures++;
          // Logged when a rule starts failing, not at every evaluation: the counter tells the rest.
          if (!g.failing.has(rule.name)) {
            g.failing.add(rule.name);
            logFailure(this.opts.logger, 'warn', ErrorCode.RULE_EVALUATION_FAILED, err, 'rule evaluation failed', { rule_group: g.name, rule: rule.name });
          }
        }
      }
      g.lastDurationS = (performance.now() - t0) / 1000;
    }
    return transitions;
  }

  private query(rule: AlertingRule, history: HistoryReader, ts: number): readonly VectorSample[] {
    const v = rule.rule.expr.evaluate(history, ts);
    if (v.kind === 'vector') return v.samples;
    // Prometheus turns a scalar result of a rule into a one-element vector without labels.
    if (v.kind === 'scalar') return [{ labels: {}, value: v.value }];
    throw new Error('rule result is a string, not a vector or scalar');
  }

  /** The public view of an alert: external labels added where the alert has none of that name. */
  private toAlert(rule: AlertingRule, a: ActiveAlert): Alert {
    const labels: Record<string, string> = { ...a.labels };
    for (const [k, v] of Object.entries(this.opts.externalLabels)) if (labels[k] === undefined) labels[k] = v;
    return {
      labels,
      annotations: a.annotations,
      state: a.state,
      activeAt: a.activeAt,
      firedAt: a.firedAt,
      resolvedAt: a.resolvedAt,
      value: a.value,
      generatorURL: `${this.opts.externalURL}/graph?g0.expr=${encodeURIComponent(rule.rule.def.expr)}&g0.tab=1`,
    };
  }

  /** Every alert held now: pending, firing, and resolved ones still within their retention. */
  alerts(): Alert[] {
    const out: Alert[] = [];
    for (const g of this.groups) for (const r of g.rules) for (const a of r.active.values()) out.push(this.toAlert(r, a));
    return out;
  }

  /** ALERTS, ALERTS_FOR_STATE and the rule groups' own series, for this tick's snapshot. */
  samples(): Sample[] {
    const out: Sample[] = [];
    for (const g of this.groups) {
      const l = { rule_group: g.name };
      out.push(counter('vigil_rule_evaluations_total', l, g.evaluations));
      out.push(counter('vigil_rule_evaluation_failures_total', l, g.failures));
      out.push(gauge('vigil_rule_evaluation_duration_seconds', l, g.lastDurationS));
      out.push(gauge('vigil_rule_group_rules', l, g.rules.length));
      for (const r of g.rules) {
        for (const a of r.active.values()) {
          if (a.state === 'inactive') continue;
          out.push(gauge('ALERTS', { ...a.labels, alertstate: a.state }, 1));
          // Whole seconds, as Prometheus writes it (ActiveAt.Unix()).
          out.push(gauge('ALERTS_FOR_STATE', a.labels, Math.floor(a.activeAt / 1000)));
        }
      }
    }
    return out;
  }

  /** Body of /api/v1/alerts: pending and firing alerts, as Prometheus' API shows them. */
  alertsApi(): unknown {
    const alerts: unknown[] = [];
    for (const g of this.groups) {
      for (const r of g.rules) {
        for (const a of r.active.values()) {
          if (a.state === 'inactive') continue;
          alerts.push({
            labels: a.labels,
            annotations: a.annotations,
            state: a.state,
            activeAt: new Date(a.activeAt).toISOString(),
            ...(a.keepFiringSince !== undefined ? { keepFiringSince: new Date(a.keepFiringSince).toISOString() } : {}),
            value: formatE(a.value, -1),
          });
        }
      }
    }
    return { status: 'success', data: { alerts } };
  }

  /** What the state file holds: every rule's alerts, by group and alert name. */
  snapshotState(): Map<string, ActiveAlert[]> {
    const out = new Map<string, ActiveAlert[]>();
    for (const g of this.groups) {
      for (const r of g.rules) {
        const key = ruleKey(g.name, r.name);
        const list = out.get(key) ?? [];
        for (const a of r.active.values()) list.push({ ...a });
        out.set(key, list);
      }
    }
    return out;
  }

  /** Seeds saved alerts into their rules (by group and alert name); returns how many were restored. */
  restore(saved: ReadonlyMap<string, readonly ActiveAlert[]>): number {
    let n = 0;
    for (const g of this.groups) {
      // Rules of one name in a group (warning and critical variants) share a key: each takes the
      // alerts whose labels it produces, found by the rule labels they carry.
      for (const r of g.rules) {
        const list = saved.get(ruleKey(g.name, r.name)) ?? [];
        const mine = list.filter((a) => Object.entries(r.rule.def.labels).every(([k, v]) => v.includes('{{') || a.labels[k] === v));
        r.restore(mine);
        n += mine.length;
      }
    }
    return n;
  }
}
