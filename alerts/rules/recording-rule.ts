// One recording rule (Prometheus' rules/recording.go, RecordingRule.Eval): the expression's result
// renamed to the rule's `record` name, with the rule's labels set (an empty value removes the label).
// Two result series with the same label set fail the evaluation, as in Prometheus; so does a result
// larger than the group's `limit`.
import type { Labels } from '../../core/samples.ts';
import { fingerprint } from '../../core/fingerprint.ts';
import type { VectorSample } from '../engine/api.ts';
import type { LoadedRule } from './load-rules.ts';

class RecordingRuleError extends Error {}

export class RecordingRule {
  readonly rule: LoadedRule;
  /** The recorded metric name. */
  readonly name: string;
  /** The last successful evaluation's series (labels include `__name__`), for /metrics. */
  lastResult: readonly VectorSample[] = [];

  constructor(rule: LoadedRule) {
    this.rule = rule;
    this.name = rule.def.alert;
  }

  /** The recorded series of one evaluation; throws RecordingRuleError where Prometheus fails the rule. */
  eval(result: readonly VectorSample[], limit: number): VectorSample[] {
    const out: VectorSample[] = [];
    const seen = new Set<string>();
    for (const s of result) {
      const labels: Record<string, string> = { ...s.labels, __name__: this.name };
      for (const [k, v] of Object.entries(this.rule.def.labels)) {
        if (v === '') delete labels[k];
        else labels[k] = v;
      }
      const fp = fingerprint(labels as Labels);
      if (seen.has(fp)) throw new RecordingRuleError('vector contains metrics with the same labelset after applying rule labels');
      seen.add(fp);
      out.push({ labels, value: s.value });
    }
    if (limit > 0 && out.length > limit) throw new RecordingRuleError(`exceeded limit of ${limit} with ${out.length} series`);
    return out;
  }
}
