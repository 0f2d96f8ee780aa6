// Training windows, made exactly as the daemon makes them: for each point z = normalize(state, x),
// then update(state, x); a window is W consecutive z values, its target the next z. Values are kept
// as float32 because that is what the daemon hands onnxruntime.
import { normalize, newNormalizerState, update } from '../scoring/normalizer.ts';
import type { Rng } from './prng.ts';

/** Windows whose first step comes before this many points of history are not used: the EW statistics are still settling. */
export const WARMUP_POINTS = 32;

export interface WindowSet {
  readonly window: number;
  /** All normalised series, concatenated. A window at s is z[s .. s+W-1], its target z[s+W]. */
  readonly z: Float32Array;
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

/** The normalised series (NaN where the raw value is not finite: a gap). */
export function normalizeSeries(values: ArrayLike<number>): Float32Array {
  const s = newNormalizerState();
  const z = new Float32Array(values.length);
  for (let t = 0; t < values.length; t++) {
    const x = values[t]!;
    z[t] = Number.isFinite(x) ? normalize(s, x) : NaN;
    update(s, x);
  }
  return z;
}

export interface SamplingOptions {
  readonly window: number;
  /** Most training windows taken from one series. */
  readonly trainPerSeries: number;
  readonly validationPerSeries: number;
  /** Share of each series, at its end, whose targets are held out for validation. */
  readonly validationFraction: number;
}

function isConstant(values: ArrayLike<number>): boolean {
  let first = NaN;
  for (let t = 0; t < values.length; t++) {
    const v = values[t]!;
    if (!Number.isFinite(v)) continue;
    if (Number.isNaN(first)) first = v;
    else if (v !== first) return false;
  }
  return true;
}

/**
 * Normalises every series and picks window starts, stratified over each series' train and
 * validation spans (random offset per stratum), skipping windows that touch a gap. A flat series
 * teaches nothing and is left out.
 */
export function buildWindowSet(series: readonly ArrayLike<number>[], o: SamplingOptions, rng: Rng): WindowSet {
  const W = o.window;
  const kept = series.filter((v) => v.length > WARMUP_POINTS + W + 2 && !isConstant(v));
  const total = kept.reduce((n, v) => n + v.length, 0);
  const z = new Float32Array(total);
  const train: number[] = [];
  const validation: number[] = [];
  let base = 0;
  for (const values of kept) {
    const zs = normalizeSeries(values);
    z.set(zs, base);
    // bad[k] = number of gaps in zs[0..k): a window [s, s+W] is clean when the count does not change.
    const bad = new Int32Array(zs.length + 1);
    for (let t = 0; t < zs.length; t++) bad[t + 1] = bad[t]! + (Number.isNaN(zs[t]!) ? 1 : 0);
    const clean = (s: number): boolean => bad[s + W + 1] === bad[s];
    const firstStart = WARMUP_POINTS;
    const lastStart = zs.length - W - 1;
    // Targets at index ≥ split are validation; the normaliser has run continuously through both.
    const split = Math.max(firstStart + W + 1, Math.floor(zs.length * (1 - o.validationFraction)));
    const pickFrom = (lo: number, hi: number, count: number, into: number[]): void => {
      const n = hi - lo + 1;
      if (n <= 0 || count <= 0) return;
      const take = Math.min(n, count);
      for (let k = 0; k < take; k++) {
        const s = lo + Math.floor(((k + rng.next()) * n) / take);
        if (clean(s)) into.push(base + s);
      }
    };
    pickFrom(firstStart, Math.min(lastStart, split - W - 1), o.trainPerSeries, train);
    if (o.validationFraction > 0) pickFrom(Math.max(firstStart, split - W), lastStart, o.validationPerSeries, validation);
    base += zs.length;
  }
  return { window: W, z, train: Int32Array.from(train), validation: Int32Array.from(validation) };
}
