// Functions of a range vector, one series at a time, transcribed from Prometheus 2.42's
// promql/functions.go so that every floating-point operation happens in the same order (promtool
// compares results bit for bit). Points arrive with staleness markers already removed.

/** The points of one series inside the range, in scratch buffers owned by the evaluator. */
export interface RangePoints {
  readonly t: Float64Array;
  readonly v: Float64Array;
  readonly n: number;
}

export interface RangeContext {
  /** Evaluation time (ms). */
  readonly at: number;
  readonly rangeMs: number;
  readonly offsetMs: number;
  /** The scalar argument (predict_linear's seconds, quantile_over_time's q), else NaN. */
  readonly param: number;
}

/** Returns the value, or undefined to drop the series (as Prometheus does with too few points). */
export type RangeFunction = (p: RangePoints, ctx: RangeContext) => number | undefined;

function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  // Neumaier's variant: compensate with whichever operand was smaller.
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

/** time.Duration.Seconds() of a whole number of milliseconds: float64(sec) + float64(nsec)/1e9. */
function durationSeconds(ms: number): number {
  const sec = Math.trunc(ms / 1000);
  const nsec = (ms - sec * 1000) * 1e6;
  return sec + nsec / 1e9;
}

function extrapolatedRate(p: RangePoints, ctx: RangeContext, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, n } = p;
  if (n < 2) return undefined;
  const rangeStart = ctx.at - (ctx.rangeMs + ctx.offsetMs);
  const rangeEnd = ctx.at - ctx.offsetMs;
  const first = v[0] as number;
  let result = (v[n - 1] as number) - first;
  if (isCounter) {
    let prev = first;
    for (let i = 1; i < n; i++) {
      const cur = v[i] as number;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = ((t[0] as number) - rangeStart) / 1000;
  const durationToEnd = (rangeEnd - (t[n - 1] as number)) / 1000;
  const sampledInterval = ((t[n - 1] as number) - (t[0] as number)) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  if (isCounter && result > 0 && first >= 0) {
    // A counter cannot go below zero: extrapolate at most to where it would have been zero.
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  let extrapolateToInterval = sampledInterval;
  extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2;
  extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= durationSeconds(ctx.rangeMs);
  return result * factor;
}

function instantValue(p: RangePoints, isRate: boolean): number | undefined {
  const { t, v, n } = p;
  if (n < 2) return undefined;
  const last = v[n - 1] as number;
  const prev = v[n - 2] as number;
  let result = isRate && last < prev ? last : last - prev;
  const sampledInterval = (t[n - 1] as number) - (t[n - 2] as number);
  if (sampledInterval === 0) return undefined;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

/** Neumaier compensation term of adding `inc` to `sum` (giving `t`), as kahanSumInc computes it. */
const compensation = (sum: number, inc: number, t: number): number => (Math.abs(sum) >= Math.abs(inc) ? sum - t + inc : inc - t + sum);

/**
 * Least squares with Kahan-compensated sums, x in seconds relative to `interceptTime`. The sums are
 * inlined (no tuple per point): this loop runs over hours of points for predict_linear every tick.
 */
function linearRegression(p: RangePoints, interceptTime: number): [number, number] {
  const { t, v, n: len } = p;
  let n = 0,
    sumX = 0,
    cX = 0,
    sumY = 0,
    cY = 0,
    sumXY = 0,
    cXY = 0,
    sumX2 = 0,
    cX2 = 0;
  const initY = v[0] as number;
  let constY = true;
  for (let i = 0; i < len; i++) {
    const y = v[i] as number;
    if (constY && i > 0 && y !== initY) constY = false;
    n += 1;
    const x = ((t[i] as number) - interceptTime) / 1e3;
    let next = sumX + x;
    cX += compensation(sumX, x, next);
    sumX = next;
    next = sumY + y;
    cY += compensation(sumY, y, next);
    sumY = next;
    const xy = x * y;
    next = sumXY + xy;
    cXY += compensation(sumXY, xy, next);
    sumXY = next;
    const x2 = x * x;
    next = sumX2 + x2;
    cX2 += compensation(sumX2, x2, next);
    sumX2 = next;
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

/** Prometheus' quantile(): linear interpolation between the closest ranks. `values` is sorted in place. */
export function quantile(q: number, values: Float64Array | number[]): number {
  const n = values.length;
  if (n === 0) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  sortNaNFirst(values);
  const rank = q * (n - 1);
  const lowerIndex = Math.max(0, Math.floor(rank));
  const upperIndex = Math.min(n - 1, lowerIndex + 1);
  const weight = rank - Math.floor(rank);
  return (values[lowerIndex] as number) * (1 - weight) + (values[upperIndex] as number) * weight;
}

function sortNaNFirst(values: Float64Array | number[]): void {
  values.sort((a, b) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b));
}

const quantileScratch: number[] = [];

function avgOverTime({ v, n }: RangePoints): number {
  let mean = 0,
    count = 0,
    c = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    count++;
    if (!Number.isFinite(mean) && !Number.isNaN(mean)) {
      // Inf mean: adding a same-signed Inf or a finite value keeps it; Inf - Inf would make NaN.
      if (!Number.isFinite(x) && !Number.isNaN(x) && mean > 0 === x > 0) continue;
      if (Number.isFinite(x)) continue;
    }
    [mean, c] = kahanSumInc(x / count - mean / count, mean, c);
  }
  if (!Number.isFinite(mean) && !Number.isNaN(mean)) return mean;
  return mean + c;
}

function varianceOverTime({ v, n }: RangePoints): number {
  let count = 0,
    mean = 0,
    cMean = 0,
    aux = 0,
    cAux = 0;
  for (let i = 0; i < n; i++) {
    const x = v[i] as number;
    count++;
    const delta = x - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (x - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

export const RANGE_FUNCTIONS = {
  rate: (p, ctx) => extrapolatedRate(p, ctx, true, true),
  increase: (p, ctx) => extrapolatedRate(p, ctx, true, false),
  delta: (p, ctx) => extrapolatedRate(p, ctx, false, false),
  irate: (p) => instantValue(p, true),
  idelta: (p) => instantValue(p, false),
  deriv: (p) => (p.n < 2 ? undefined : linearRegression(p, p.t[0] as number)[0]),
  predict_linear: (p, ctx) => {
    if (p.n < 2) return undefined;
    const [slope, intercept] = linearRegression(p, ctx.at);
    return slope * ctx.param + intercept;
  },
  avg_over_time: avgOverTime,
  sum_over_time: ({ v, n }) => {
    let sum = 0,
      c = 0;
    for (let i = 0; i < n; i++) [sum, c] = kahanSumInc(v[i] as number, sum, c);
    return !Number.isFinite(sum) && !Number.isNaN(sum) ? sum : sum + c;
  },
  count_over_time: ({ n }) => n,
  min_over_time: ({ v, n }) => {
    let min = v[0] as number;
    for (let i = 0; i < n; i++) if ((v[i] as number) < min || Number.isNaN(min)) min = v[i] as number;
    return min;
  },
  max_over_time: ({ v, n }) => {
    let max = v[0] as number;
    for (let i = 0; i < n; i++) if ((v[i] as number) > max || Number.isNaN(max)) max = v[i] as number;
    return max;
  },
  stddev_over_time: (p) => Math.sqrt(varianceOverTime(p)),
  stdvar_over_time: varianceOverTime,
  last_over_time: ({ v, n }) => v[n - 1] as number,
  present_over_time: () => 1,
  quantile_over_time: ({ v, n }, ctx) => {
    quantileScratch.length = 0;
    for (let i = 0; i < n; i++) quantileScratch.push(v[i] as number);
    return quantile(ctx.param, quantileScratch);
  },
  changes: ({ v, n }) => {
    let changes = 0;
    let prev = v[0] as number;
    for (let i = 1; i < n; i++) {
      const cur = v[i] as number;
      if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
      prev = cur;
    }
    return changes;
  },
  resets: ({ v, n }) => {
    let resets = 0;
    let prev = v[0] as number;
    for (let i = 1; i < n; i++) {
      const cur = v[i] as number;
      if (cur < prev) resets++;
      prev = cur;
    }
    return resets;
  },
} satisfies Record<string, RangeFunction>;

export type RangeFunctionName = keyof typeof RANGE_FUNCTIONS;
export const isRangeFunction = (name: string): name is RangeFunctionName => Object.hasOwn(RANGE_FUNCTIONS, name);
