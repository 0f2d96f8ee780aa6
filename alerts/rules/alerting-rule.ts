// One alerting rule's alerts and Prometheus' state machine (rules/alerting.go, AlertingRule.Eval):
// a new result series → pending (activeAt); held for `for` → firing (`for: 0` fires at once); gone →
// inactive with resolvedAt (a pending one is simply dropped), kept 15 min so that the resolution is
// re-sent, then forgotten; `keep_firing_for` keeps a firing alert firing after its series vanished.
import type { Labels } from '../../core/samples.ts';
import type { AlertState } from '../../core/tick-output.ts';
import type { VectorSample } from '../engine/api.ts';
import type { LoadedRule } from './load-rules.ts';
import { expandTemplate, isPlainText, type TemplateData } from './template.ts';
import { fingerprint } from '../../core/fingerprint.ts';

/** How long a resolved alert is kept (and re-sent), as Prometheus' resolvedRetention. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

/** The rule manager's record of one alert (labels exclude external labels, as in Prometheus). */
export interface ActiveAlert {
  readonly fingerprint: string;
  readonly labels: Labels;
  annotations: Labels;
  state: AlertState;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  keepFiringSince?: number;
  value: number;
}

export interface StateChange {
  readonly alert: ActiveAlert;
  readonly from: AlertState;
  readonly to: AlertState;
}

export class DuplicateLabelsetError extends Error {}
class AlertLimitError extends Error {}

export interface RuleContext {
  readonly externalLabels: Labels;
  readonly externalURL: string;
  /** runbook_url for this rule's alerts when the rule sets none. */
  readonly runbookUrl: string;
}

export class AlertingRule {
  readonly rule: LoadedRule;
  readonly name: string;
  /** Alerts by fingerprint: pending, firing, and resolved ones within the retention. */
  readonly active = new Map<string, ActiveAlert>();
  private readonly ctx: RuleContext;
  private readonly staticLabels: boolean;

  constructor(rule: LoadedRule, ctx: RuleContext) {
    this.rule = rule;
    this.name = rule.def.alert;
    this.ctx = ctx;
    this.staticLabels = rule.labels.every(([, t]) => isPlainText(t));
  }

  private expand(sample: VectorSample): { labels: Labels; annotations: Labels } {
    const data: TemplateData = { labels: sample.labels, value: sample.value, externalLabels: this.ctx.externalLabels, externalURL: this.ctx.externalURL };
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(sample.labels)) if (k !== '__name__') labels[k] = v;
    for (const [k, t] of this.rule.labels) {
      const v = this.staticLabels ? this.rule.def.labels[k]! : expandTemplate(t, data);
      // An empty label value removes the label, as in Prometheus' label builder.
      if (v === '') delete labels[k];
      else labels[k] = v;
    }
    labels.alertname = this.name;
    const annotations: Record<string, string> = {};
    for (const [k, t] of this.rule.annotations) annotations[k] = expandTemplate(t, data);
    if (annotations.runbook_url === undefined && this.ctx.runbookUrl !== '') annotations.runbook_url = this.ctx.runbookUrl;
    return { labels, annotations };
  }

  /**
   * One evaluation at `ts` over the expression's result. Returns the state changes. Throws
   * DuplicateLabelsetError (and changes nothing) when two series give the same alert labels.
   */
  eval(result: readonly VectorSample[], ts: number, limit = 0): StateChange[] {
    const current = new Map<string, { labels: Labels; annotations: Labels; value: number }>();
    for (const s of result) {
      const { labels, annotations } = this.expand(s);
      const fp = fingerprint(labels);
      if (current.has(fp)) throw new DuplicateLabelsetError('vector contains metrics with the same labelset after applying alert labels');
      current.set(fp, { labels, annotations, value: s.value });
    }
    const changes: StateChange[] = [];
    for (const [fp, c] of current) {
      const existing = this.active.get(fp);
      if (existing !== undefined && existing.state !== 'inactive') {
        existing.value = c.value;
        existing.annotations = c.annotations;
        continue;
      }
      const alert: ActiveAlert = { fingerprint: fp, labels: c.labels, annotations: c.annotations, state: 'pending', activeAt: ts, value: c.value };
      this.active.set(fp, alert);
      changes.push({ alert, from: 'inactive', to: 'pending' });
    }
    for (const [fp, a] of this.active) {
      if (!current.has(fp)) {
        if (this.rule.def.keepFiringForMs > 0 && a.state === 'firing') {
          a.keepFiringSince ??= ts;
          if (ts - a.keepFiringSince < this.rule.def.keepFiringForMs) continue;
        }
        if (a.state === 'pending' || (a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION_MS)) this.active.delete(fp);
        if (a.state !== 'inactive') {
          changes.push({ alert: a, from: a.state, to: 'inactive' });
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        continue;
      }
      if (a.state !== 'inactive') a.keepFiringSince = undefined;
      if (a.state === 'pending' && ts - a.activeAt >= this.rule.def.forMs) {
        a.state = 'firing';
        a.firedAt = ts;
        changes.push({ alert: a, from: 'pending', to: 'firing' });
      }
    }
    // The group's `limit`, as Prometheus 2.42 applies it: too many alerts drop them all and fail the rule.
    if (limit > 0 && current.size > limit) {
      this.active.clear();
      throw new AlertLimitError(`exceeded limit of ${limit} with ${current.size} alerts`);
    }
    return changes;
  }

  /** Seeds alerts saved before a restart; the next evaluation continues from them (see docs/alerting-engine.md). */
  restore(saved: readonly ActiveAlert[]): void {
    for (const a of saved) this.active.set(a.fingerprint, { ...a });
  }
}
