// The rule groups and their schedule: each group evaluates when its interval is due (at a tick), each
// rule over the shared history; failures stay in their rule and are counted per group. Also renders
// what the rest of the agent reads: ALERTS/ALERTS_FOR_STATE samples, the Alert list, /api/v1/alerts.
import type { Logger } from 'pino';
import type { Alert, AlertTransition } from '../../core/tick-output.ts';
import { ErrorCode } from '../../core/errors.ts';
import { counter, gauge, type Labels, type MetricSpec, type Sample } from '../../core/samples.ts';
import type { RecordingHistory, VectorSample } from '../engine/api.ts';
import { type ActiveAlert, AlertingRule, type RuleContext } from './alerting-rule.ts';
import { ruleKey } from './alert-state-file.ts';
import { formatE } from './go-format.ts';
import type { LoadedGroup } from './load-rules.ts';
import { RecordingRule } from './recording-rule.ts';
import { logFailure } from '../../core/log-failure.ts';

export const RULE_METRICS: readonly MetricSpec[] = [
  {
    name: 'ALERTS',
    help: 'Alerts that are pending or firing, with the alert labels (as Prometheus names it).',
    kind: 'gauge',
    labels: ['alertname', 'alertstate'],
  },
  { name: 'ALERTS_FOR_STATE', help: 'The time (seconds since the epoch) each pending or firing alert became active.', kind: 'gauge', labels: ['alertname'] },
  { name: 'vigil_rule_evaluations_total', help: 'Rule evaluations, per rule group ("<file>;<group>").', kind: 'counter', labels: ['rule_group'] },
  { name: 'vigil_rule_evaluation_failures_total', help: 'Rule evaluations that failed, per rule group.', kind: 'counter', labels: ['rule_group'] },
  { name: 'vigil_rule_evaluation_duration_seconds', help: 'How long the last evaluation of the rule group took.', kind: 'gauge', labels: ['rule_group'] },
  { name: 'vigil_rule_group_rules', help: 'Rules (alerting and recording) loaded, per rule group.', kind: 'gauge', labels: ['rule_group'] },
];

export interface RuleManagerOptions {
  readonly evaluationIntervalMs: number;
  readonly externalLabels: Labels;
  readonly externalURL: string;
  /** Base of runbook_url ("…/runbooks"); the alert name is appended. */
  readonly runbookBase: string;
  readonly logger: Logger;
  /** Put the recording rules' series in samples() (alerting.exportRecordedSeries). */
  readonly exportRecordedSeries?: boolean;
}

type Rule = AlertingRule | RecordingRule;

interface GroupState {
  readonly name: string;
  readonly file: string;
  /** `<file>;<group>`: groups of one name in two files are two groups (Prometheus' GroupKey). */
  readonly key: string;
  readonly intervalMs: number;
  readonly limit: number;
  /** In file order: alerting and recording rules. */
  readonly rules: readonly Rule[];
  readonly alerting: readonly AlertingRule[];
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
    // A name recorded by one rule only: that rule takes over its series restored from a saved history.
    const recorders = new Map<string, number>();
    for (const g of groups) for (const r of g.rules) if (r.def.kind === 'record') recorders.set(r.def.alert, (recorders.get(r.def.alert) ?? 0) + 1);
    this.soleRecorders = new Set([...recorders].filter(([, n]) => n === 1).map(([name]) => name));
    this.groups = groups.map((g) => {
      const rules = g.rules.map((r): Rule => {
        if (r.def.kind === 'record') return new RecordingRule(r);
        const ctx: RuleContext = {
          externalLabels: opts.externalLabels,
          externalURL: opts.externalURL,
          runbookUrl: `${opts.runbookBase}/${encodeURIComponent(r.def.alert)}`,
        };
        return new AlertingRule(r, ctx);
      });
      return {
        name: g.name,
        file: g.file,
        key: `${g.source ?? g.file};${g.name}`,
        intervalMs: g.intervalMs ?? opts.evaluationIntervalMs,
        limit: g.limit,
        rules,
        alerting: rules.filter((r): r is AlertingRule => r instanceof AlertingRule),
        lastEvalAt: undefined,
        evaluations: 0,
        failures: 0,
        lastDurationS: 0,
        failing: new Set(),
      };
    });
  }

  private readonly soleRecorders: ReadonlySet<string>;

  get ruleCount(): number {
    return this.groups.reduce((n, g) => n + g.rules.length, 0);
  }

  /** Evaluates the groups that are due at `ts`; returns the state changes. */
  evaluate(history: RecordingHistory, ts: number): AlertTransition[] {
    const transitions: AlertTransition[] = [];
    for (const g of this.groups) {
      if (g.lastEvalAt !== undefined && ts - g.lastEvalAt < g.intervalMs - dueTolerance(g.intervalMs)) continue;
      g.lastEvalAt = ts;
      const t0 = performance.now();
      g.rules.forEach((rule, i) => {
        g.evaluations++;
        try {
          if (rule instanceof RecordingRule) {
            // Stored at once: the rules after it in this group read it at this very evaluation.
            const recorded = rule.eval(this.query(rule, history, ts), g.limit);
            history.appendRecorded(`${g.key}\u0000${i}`, ts, recorded, this.soleRecorders.has(rule.name) ? rule.name : undefined);
            rule.lastResult = recorded;
          } else {
            const changes = rule.eval(this.query(rule, history, ts), ts, g.limit);
            for (const c of changes) transitions.push({ alert: this.toAlert(rule, c.alert), from: c.from, to: c.to, at: ts });
          }
          if (g.failing.delete(rule.name)) this.opts.logger.info({ rule_group: g.key, rule: rule.name }, 'rule evaluates again');
        } catch (err) {
          g.failures++;
          // Logged when a rule starts failing, not at every evaluation: the counter tells the rest.
          if (!g.failing.has(rule.name)) {
            g.failing.add(rule.name);
            logFailure(this.opts.logger, 'warn', ErrorCode.RULE_EVALUATION_FAILED, err, 'rule evaluation failed', { rule_group: g.key, rule: rule.name });
          }
        }
      });
      g.lastDurationS = (performance.now() - t0) / 1000;
    }
    return transitions;
  }

  private query(rule: Rule, history: RecordingHistory, ts: number): readonly VectorSample[] {
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
    for (const g of this.groups) for (const r of g.alerting) for (const a of r.active.values()) out.push(this.toAlert(r, a));
    return out;
  }

  /** ALERTS, ALERTS_FOR_STATE and the rule groups' own series, for this tick's snapshot. */
  samples(): Sample[] {
    const out: Sample[] = [];
    for (const g of this.groups) {
      const l = { rule_group: g.key };
      out.push(counter('vigil_rule_evaluations_total', l, g.evaluations));
      out.push(counter('vigil_rule_evaluation_failures_total', l, g.failures));
      out.push(gauge('vigil_rule_evaluation_duration_seconds', l, g.lastDurationS));
      out.push(gauge('vigil_rule_group_rules', l, g.rules.length));
      if (this.opts.exportRecordedSeries === true) {
        for (const r of g.rules) {
          if (!(r instanceof RecordingRule)) continue;
          for (const s of r.lastResult) {
            const { __name__: _, ...labels } = s.labels;
            out.push(gauge(r.name, labels, s.value));
          }
        }
      }
      for (const r of g.alerting) {
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
      for (const r of g.alerting) {
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
      for (const r of g.alerting) {
        const key = ruleKey(g.key, r.name);
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
      for (const r of g.alerting) {
        // A state file written before groups were keyed by file keyed them by name alone.
        const list = saved.get(ruleKey(g.key, r.name)) ?? saved.get(ruleKey(g.name, r.name)) ?? [];
        const mine = list.filter((a) => Object.entries(r.rule.def.labels).every(([k, v]) => v.includes('{{') || a.labels[k] === v));
        r.restore(mine);
        n += mine.length;
      }
    }
    return n;
  }
}
