// Rules for unit tests of the state machine and the manager, with an expression whose result the
// test decides (the real engine is tested in alerts/engine/ and end to end).
import type { CompiledExpr, HistoryReader, QueryValue, VectorSample } from '../../engine/api.ts';
import type { LoadedRule } from '../load-rules.ts';
import { parseTemplate, type Template } from '../template.ts';

export interface FakeRuleOptions {
  readonly alert?: string;
  readonly group?: string;
  readonly forMs?: number;
  readonly keepFiringForMs?: number;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  /** The expression's result at each evaluation (default: nothing). */
  readonly result?: (atMs: number, history: HistoryReader) => readonly VectorSample[] | QueryValue;
}

export function fakeExpr(result: FakeRuleOptions['result'] = () => []): CompiledExpr {
  return {
    text: 'fake',
    lookbackMs: 300_000,
    metricNames: [],
    lookbackByMetric: new Map(),
    nameSelectors: [],
    evaluate: (history, atMs) => {
      const r = result(atMs, history);
      return Array.isArray(r) ? { kind: 'vector', samples: r } : (r as QueryValue);
    },
  };
}

function templates(map: Record<string, string>): Array<readonly [string, Template]> {
  return Object.entries(map).map(([k, text]) => {
    const t = parseTemplate(text);
    if (!t.ok) throw new Error(`test template ${k}: ${t.error}`);
    return [k, t.template] as const;
  });
}

export function fakeRule(o: FakeRuleOptions = {}): LoadedRule {
  const labels = o.labels ?? {};
  const annotations = o.annotations ?? {};
  return {
    def: {
      file: 'test.rules.yml',
      line: 1,
      group: o.group ?? 'g',
      kind: 'alert',
      alert: o.alert ?? 'TestAlert',
      expr: 'fake',
      exprLine: () => 1,
      forMs: o.forMs ?? 0,
      keepFiringForMs: o.keepFiringForMs ?? 0,
      labels,
      annotations,
      lineOf: () => 1,
    },
    expr: fakeExpr(o.result),
    labels: templates(labels),
    annotations: templates(annotations),
  };
}
