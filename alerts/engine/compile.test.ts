import { describe, expect, it } from 'vitest';
import type { ExprError, HistoryReader, SeriesView } from './api.ts';
import { compileExpr } from './compile.ts';
import { EvaluationError } from './errors.ts';

function errorsOf(text: string): ExprError[] {
  const r = compileExpr(text);
  if (r.ok) throw new Error(`${text} compiled`);
  return r.errors;
}

const history = (series: Array<{ labels: Record<string, string>; points: Array<[number, number]> }>): HistoryReader => ({
  metricNames: () => new Set(series.map((s) => s.labels.__name__ ?? '')),
  seriesOf: (name: string): SeriesView[] =>
    series
      .filter((s) => s.labels.__name__ === name)
      .map((s) => ({ labels: s.labels, times: s.points.map((p) => p[0]), values: s.points.map((p) => p[1]), length: s.points.length })),
});

describe('compileExpr errors', () => {
  it('names an unsupported function with the exact reason and its position', () => {
    const text = 'sum(histogram_quantile(0.9, rate(x_bucket[5m])))';
    expect(errorsOf(text)).toEqual([{ message: 'function histogram_quantile is not supported by the agent', from: 4, to: 22 }]);
    expect(errorsOf('sort_desc(up)')[0]?.message).toBe('function sort_desc is not supported by the agent');
    // Prometheus 2.42 has it; the grammar (newer) does not: still named, not a syntax error.
    expect(errorsOf('holt_winters(up[10m], 0.5, 0.5)')).toEqual([{ message: 'function holt_winters is not supported by the agent', from: 0, to: 12 }]);
  });

  it('refuses subqueries, @, limitk, atan2 and fill modifiers with a reason', () => {
    expect(errorsOf('max_over_time(rate(x[1m])[10m:1m])')[0]?.message).toBe('subqueries are not supported by the agent');
    expect(errorsOf('up @ 1700000000')[0]?.message).toBe('the @ modifier is not supported by the agent');
    expect(errorsOf('limitk(1, up)')[0]?.message).toBe('aggregation limitk is not supported by the agent');
    expect(errorsOf('count_values("1x", up)')[0]?.message).toBe('invalid label name "1x"');
    expect(errorsOf('up atan2 up')[0]?.message).toBe('binary operator atan2 is not supported by the agent');
  });

  it('reports a syntax error where it is', () => {
    const [e] = errorsOf('rate(up[5m]');
    expect(e?.message).toMatch(/^syntax error/);
    expect(e?.from).toBe(11);
    const [f] = errorsOf('up{job="a" instance="b"}');
    expect(f?.message).toMatch(/^syntax error/);
    expect(f?.from).toBeGreaterThanOrEqual(10);
    expect(f?.from).toBeLessThanOrEqual(11);
  });

  it('type-checks like Prometheus 2.42', () => {
    expect(errorsOf('rate(up)')[0]).toEqual({ message: 'expected type range vector in call to function "rate", got instant vector', from: 5, to: 7 });
    expect(errorsOf('1 < 2')[0]?.message).toBe('comparisons between scalars must use BOOL modifier');
    expect(errorsOf('up and 1')[0]?.message).toBe('set operator "and" not allowed in binary scalar expression');
    expect(errorsOf('up + bool up')[0]?.message).toBe('bool modifier can only be used on comparison operators');
    expect(errorsOf('up or on(a) group_left b')[0]?.message).toBe('no grouping allowed for "or" operation');
    expect(errorsOf('clamp(up, 1)')[0]?.message).toBe('expected 3 argument(s) in call to "clamp", got 2');
    expect(errorsOf('up[5m]')[0]?.message).toMatch(/not a range vector/);
    expect(errorsOf('a{__name__="a"}')[0]?.message).toBe('metric name must not be set twice: "a" or "a"');
    expect(errorsOf('{job=~".*"}')[0]?.message).toBe('vector selector must contain at least one non-empty matcher');
    expect(errorsOf('rate(up[5])')[0]?.message).toMatch(/not a valid duration/);
    expect(errorsOf('up offset 1m offset 2m')[0]?.message).toBe('offset may not be set multiple times');
  });

  it('refuses regular expressions JavaScript would not match the way Go does, at the string', () => {
    const text = 'up{job=~"a(?!b)"}';
    const [e] = errorsOf(text);
    expect(e?.message).toMatch(/is not supported by the agent/);
    expect(text.slice(e?.from, e?.to)).toBe('"a(?!b)"');
    expect(errorsOf('up{job=~"[[:alpha:]]+"}')[0]?.message).toMatch(/POSIX class/);
    expect(errorsOf('up{job=~"\\\\pL"}')[0]?.message).toMatch(/not supported/);
  });
});

describe('compileExpr metadata', () => {
  it('knows how much history each metric needs: range + offset, or the 5 m lookback', () => {
    const r = compileExpr('predict_linear(node_filesystem_avail_bytes[6h] offset 30m, 4*3600) < 0 and on(instance) up == 1');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Object.fromEntries(r.expr.lookbackByMetric)).toEqual({ node_filesystem_avail_bytes: 6.5 * 3600_000, up: 300_000 });
    expect(r.expr.lookbackMs).toBe(6.5 * 3600_000);
    expect([...r.expr.metricNames].sort()).toEqual(['node_filesystem_avail_bytes', 'up']);
  });
});

describe('evaluation errors Prometheus also raises', () => {
  const h = history([
    { labels: { __name__: 'a', job: 'x', i: '1' }, points: [[0, 1]] },
    { labels: { __name__: 'a', job: 'x', i: '2' }, points: [[0, 2]] },
    { labels: { __name__: 'b', job: 'x' }, points: [[0, 3]] },
    { labels: { __name__: 'c', job: 'x' }, points: [[0, 3]] },
  ]);
  const run = (text: string): unknown => {
    const r = compileExpr(text);
    if (!r.ok) throw new Error(r.errors[0]?.message);
    return r.expr.evaluate(h, 1000);
  };

  it('many-to-many matching', () => {
    expect(() => run('b + on(job) a')).toThrow(EvaluationError);
    expect(() => run('b + on(job) a')).toThrow(/many-to-many matching not allowed/);
    expect(run('a + on(job) group_left b')).toEqual({
      kind: 'vector',
      samples: [
        { labels: { job: 'x', i: '1' }, value: 4 },
        { labels: { job: 'x', i: '2' }, value: 5 },
      ],
    });
  });

  it('selectors that choose names by matchers, with offsets and ranges (Prometheus accepts them)', () => {
    const names = (v: unknown) => (v as { samples: Array<{ labels: Record<string, string> }> }).samples.map((x) => x.labels.__name__ ?? '-').sort();
    expect(names(run('{__name__=~"a|b"}'))).toEqual(['a', 'a', 'b']);
    expect(names(run('{__name__=~"a|b"} offset 0s'))).toEqual(['a', 'a', 'b']);
    expect(names(run('{__name__!="a", job="x"}'))).toEqual(['b', 'c']);
    expect(names(run('{job="x", i="1"}'))).toEqual(['a']);
    expect(names(run('{__name__="b"}'))).toEqual(['b']);
    expect(names(run('{__name__=~"b|c"} offset 2s'))).toEqual([]);
    const r = compileExpr('rate({__name__=~"x_.*_total"}[5m] offset 1m) + {__name__="b"}');
    expect(r.ok && r.expr.nameSelectors.map((n) => [n.matches('x_a_total'), n.matches('b'), n.lookbackMs])).toEqual([
      [true, false, 300_000 + 60_000],
      [true, false, 360_000],
    ]);
    expect(r.ok && [...r.expr.lookbackByMetric]).toEqual([['b', 300_000]]);
    // Two names, one label set once __name__ is dropped: Prometheus fails the query too.
    expect(() => run('count_over_time({__name__=~"b|c"}[1m])')).toThrow(/same labelset/);
  });

  it('two results with one label set', () => {
    expect(() => run('label_replace(a, "i", "$1", "i", "(.*)")')).not.toThrow();
    expect(() => run('label_replace(a, "i", "", "i", ".*")')).toThrow(/same labelset/);
  });
});
