// Evaluates a checked tree at one instant over the agent's history, with Prometheus 2.42's
// selection rules: an instant selector takes the latest sample in [t−5m, t] unless it is a
// staleness marker; a range selector takes the samples in [t−range, t] (both ends closed before
// Prometheus 3.0) minus staleness markers.
import type { Labels } from '../../core/samples.ts';
import type { HistoryReader, QueryValue, SeriesView, VectorSample } from './api.ts';
import type { AggregateNode, CallNode, Expr, MatrixSelectorNode, VectorSelectorNode } from './ast.ts';
import { aggregate, countValues } from './aggregate.ts';
import { scalarBinop, setOperation, vectorBinop, vectorScalarBinop } from './binary.ts';
import { goMax, goMin } from './gomath.ts';
import { assertUniqueLabelSets, dropMetricName, withLabels } from './labels.ts';
import { matchesAll, matchesValue } from './matchers.ts';
import { RANGE_FUNCTIONS, type RangeContext, type RangePoints, isRangeFunction } from './range-functions.ts';
import { expandRegexReplacement, translateGoRegex } from './regex.ts';
import { LOOKBACK_DELTA_MS } from './api.ts';

interface Ctx {
  readonly history: HistoryReader;
  readonly at: number;
}

/** Scratch buffers for one series' range (evaluation is synchronous, so one pair serves all). */
let scratchT = new Float64Array(256);
let scratchV = new Float64Array(256);

export function evaluateExpr(node: Expr, history: HistoryReader, at: number): QueryValue {
  const ctx: Ctx = { history, at };
  if (node.type === 'string') return { kind: 'string', value: node.value };
  if (isScalar(node)) return { kind: 'scalar', value: scalar(node, ctx) };
  return { kind: 'vector', samples: vector(node, ctx) };
}

/** Whether the node's type is scalar (the compiler has checked the rest). */
function isScalar(node: Expr): boolean {
  switch (node.type) {
    case 'number':
      return true;
    case 'call':
      return node.fn === 'time' || node.fn === 'scalar';
    case 'unary':
      return isScalar(node.expr);
    case 'binary':
      return isScalar(node.lhs) && isScalar(node.rhs);
    default:
      return false;
  }
}

function scalar(node: Expr, ctx: Ctx): number {
  switch (node.type) {
    case 'number':
      return node.value;
    case 'unary':
      return node.negate ? -scalar(node.expr, ctx) : scalar(node.expr, ctx);
    case 'binary':
      return scalarBinop(node.op, scalar(node.lhs, ctx), scalar(node.rhs, ctx));
    case 'call':
      if (node.fn === 'time') return ctx.at / 1000;
      if (node.fn === 'scalar') {
        const v = vector(node.args[0] as Expr, ctx);
        return v.length === 1 ? (v[0] as VectorSample).value : NaN;
      }
      break;
    default:
      break;
  }
  throw new Error(`not a scalar expression: ${node.type}`);
}

function vector(node: Expr, ctx: Ctx): VectorSample[] {
  switch (node.type) {
    case 'vectorSelector':
      return selectInstant(node, ctx, null);
    case 'call':
      return call(node, ctx);
    case 'aggregate':
      return aggregation(node, ctx);
    case 'unary': {
      const v = vector(node.expr, ctx);
      if (!node.negate) return v;
      const out = v.map((s) => ({ labels: dropMetricName(s.labels), value: -s.value }));
      assertUniqueLabelSets(out);
      return out;
    }
    case 'binary': {
      let out: VectorSample[];
      if (node.matching !== null) {
        const l = vector(node.lhs, ctx);
        const r = vector(node.rhs, ctx);
        out =
          node.op === 'and' || node.op === 'or' || node.op === 'unless'
            ? setOperation(node.op, l, r, node.matching)
            : vectorBinop(node.op, l, r, node.matching, node.returnBool);
      } else if (isScalar(node.lhs)) {
        const l = scalar(node.lhs, ctx);
        out = vectorScalarBinop(node.op, vector(node.rhs, ctx), l, true, node.returnBool);
      } else {
        const l = vector(node.lhs, ctx);
        out = vectorScalarBinop(node.op, l, scalar(node.rhs, ctx), false, node.returnBool);
      }
      assertUniqueLabelSets(out);
      return out;
    }
    default:
      throw new Error(`not an instant vector expression: ${node.type}`);
  }
}

/** Index of the last point at or before `t` in [first, end), or first − 1. */
function lastAtOrBefore(times: ArrayLike<number>, first: number, end: number, t: number): number {
  let lo = first;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((times[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The series a selector reads: of its metric name, or of every stored name its `__name__` matchers accept. */
function* selectorSeries(sel: VectorSelectorNode, ctx: Ctx): Iterable<SeriesView> {
  if (sel.metricName !== null) {
    yield* ctx.history.seriesOf(sel.metricName);
    return;
  }
  for (const name of ctx.history.metricNames()) {
    if (sel.nameMatchers.every((m) => matchesValue(m, name))) yield* ctx.history.seriesOf(name);
  }
}

function selectInstant(sel: VectorSelectorNode, ctx: Ctx, timestamps: number[] | null): VectorSample[] {
  const ref = ctx.at - sel.offsetMs;
  const out: VectorSample[] = [];
  for (const series of selectorSeries(sel, ctx)) {
    if (!matchesAll(sel.matchers, series.labels)) continue;
    const first = series.first ?? 0;
    const i = lastAtOrBefore(series.times, first, first + series.length, ref);
    if (i < first || (series.times[i] as number) < ref - LOOKBACK_DELTA_MS) continue;
    if (series.staleMarkers !== undefined && series.staleMarkers[i] !== 0) continue;
    out.push({ labels: series.labels, value: series.values[i] as number });
    timestamps?.push(series.times[i] as number);
  }
  return out;
}

/** Copies the series' non-stale points in [ref − range, ref] into the scratch buffers. */
function rangePoints(series: SeriesView, ref: number, rangeMs: number): RangePoints {
  const first = series.first ?? 0;
  const end = first + series.length;
  const hi = lastAtOrBefore(series.times, first, end, ref);
  const lo = lastAtOrBefore(series.times, first, end, ref - rangeMs - 1) + 1;
  const count = hi - lo + 1;
  if (count > scratchT.length) {
    scratchT = new Float64Array(count * 2);
    scratchV = new Float64Array(count * 2);
  }
  let n = 0;
  const stale = series.staleMarkers;
  for (let i = lo; i <= hi; i++) {
    if (stale !== undefined && stale[i] !== 0) continue;
    scratchT[n] = series.times[i] as number;
    scratchV[n] = series.values[i] as number;
    n++;
  }
  return { t: scratchT, v: scratchV, n };
}

function call(node: CallNode, ctx: Ctx): VectorSample[] {
  const fn = node.fn;
  if (isRangeFunction(fn)) {
    const matrixArg = (fn === 'quantile_over_time' ? node.args[1] : node.args[0]) as MatrixSelectorNode;
    const paramArg = fn === 'quantile_over_time' ? node.args[0] : fn === 'predict_linear' ? node.args[1] : undefined;
    const rc: RangeContext = {
      at: ctx.at,
      rangeMs: matrixArg.rangeMs,
      offsetMs: matrixArg.selector.offsetMs,
      param: paramArg === undefined ? NaN : scalar(paramArg, ctx),
    };
    const f = RANGE_FUNCTIONS[fn];
    const ref = ctx.at - matrixArg.selector.offsetMs;
    const out: VectorSample[] = [];
    for (const series of selectorSeries(matrixArg.selector, ctx)) {
      if (!matchesAll(matrixArg.selector.matchers, series.labels)) continue;
      const p = rangePoints(series, ref, matrixArg.rangeMs);
      if (p.n === 0) continue;
      const value = f(p, rc);
      if (value === undefined) continue;
      out.push({ labels: fn === 'last_over_time' ? series.labels : dropMetricName(series.labels), value });
    }
    // The series of one metric name differ in their other labels already; of several names, maybe not.
    return matrixArg.selector.metricName === null ? checked(out) : out;
  }
  switch (fn) {
    case 'absent': {
      if (vector(node.args[0] as Expr, ctx).length > 0) return [];
      return [{ labels: absentLabels(node.args[0] as Expr), value: 1 }];
    }
    case 'absent_over_time': {
      const m = node.args[0] as MatrixSelectorNode;
      const ref = ctx.at - m.selector.offsetMs;
      for (const series of selectorSeries(m.selector, ctx)) {
        if (matchesAll(m.selector.matchers, series.labels) && rangePoints(series, ref, m.rangeMs).n > 0) return [];
      }
      return [{ labels: absentLabels(m), value: 1 }];
    }
    case 'vector':
      return [{ labels: {}, value: scalar(node.args[0] as Expr, ctx) }];
    case 'timestamp': {
      const arg = node.args[0] as Expr;
      if (arg.type === 'vectorSelector') {
        const times: number[] = [];
        const v = selectInstant(arg, ctx, times);
        return checked(v.map((s, i) => ({ labels: dropMetricName(s.labels), value: (times[i] as number) / 1000 })));
      }
      return checked(vector(arg, ctx).map((s) => ({ labels: dropMetricName(s.labels), value: ctx.at / 1000 })));
    }
    case 'label_replace':
      return checked(labelReplace(node, ctx));
    default:
      return checked(simpleFunction(node, ctx));
  }
}

function checked(v: VectorSample[]): VectorSample[] {
  assertUniqueLabelSets(v);
  return v;
}

function simpleFunction(node: CallNode, ctx: Ctx): VectorSample[] {
  const v = vector(node.args[0] as Expr, ctx);
  const arg = (i: number): number => scalar(node.args[i] as Expr, ctx);
  let f: (x: number) => number;
  switch (node.fn) {
    case 'abs':
      f = Math.abs;
      break;
    case 'ceil':
      f = Math.ceil;
      break;
    case 'floor':
      f = Math.floor;
      break;
    case 'round': {
      const toNearest = node.args.length >= 2 ? arg(1) : 1;
      // Prometheus multiplies by the inverse: fewer floating-point surprises than dividing.
      const inverse = 1.0 / toNearest;
      f = (x) => Math.floor(x * inverse + 0.5) / inverse;
      break;
    }
    case 'clamp': {
      const min = arg(1);
      const max = arg(2);
      if (max < min) return [];
      f = (x) => goMax(min, goMin(max, x));
      break;
    }
    case 'clamp_min': {
      const min = arg(1);
      f = (x) => goMax(min, x);
      break;
    }
    case 'clamp_max': {
      const max = arg(1);
      f = (x) => goMin(max, x);
      break;
    }
    default:
      throw new Error(`function ${node.fn} has no evaluator`);
  }
  return v.map((s) => ({ labels: dropMetricName(s.labels), value: f(s.value) }));
}

function stringArg(e: Expr | undefined): string {
  if (e?.type !== 'string') throw new Error('string argument expected');
  return e.value;
}

function labelReplace(node: CallNode, ctx: Ctx): VectorSample[] {
  const dst = stringArg(node.args[1]);
  const repl = stringArg(node.args[2]);
  const src = stringArg(node.args[3]);
  const tr = translateGoRegex(stringArg(node.args[4]));
  if (!tr.ok) throw new Error(tr.reason);
  const re = new RegExp(tr.source, tr.flags);
  return vector(node.args[0] as Expr, ctx).map((s) => {
    const m = re.exec(s.labels[src] ?? '');
    if (m === null) return s;
    return { labels: withLabels(s.labels, { [dst]: expandRegexReplacement(repl, m) }), value: s.value };
  });
}

/** absent()'s labels: the selector's equality matchers, minus names matched more than once or otherwise. */
function absentLabels(arg: Expr): Labels {
  const sel = arg.type === 'vectorSelector' ? arg : arg.type === 'matrixSelector' ? arg.selector : null;
  if (sel === null) return {};
  const out: Record<string, string> = {};
  const empty: string[] = [];
  for (const m of sel.allMatchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !(m.name in out)) {
      if (m.value === '') delete out[m.name];
      else out[m.name] = m.value;
    } else empty.push(m.name);
  }
  for (const name of empty) delete out[name];
  return out;
}

function aggregation(node: AggregateNode, ctx: Ctx): VectorSample[] {
  if (node.op === 'count_values') return countValues(vector(node.expr, ctx), stringArg(node.param ?? undefined), node.grouping, node.without);
  const param = node.param === null ? NaN : scalar(node.param, ctx);
  return aggregate(node.op, vector(node.expr, ctx), node.grouping, node.without, param);
}
