// Seeded synthetic series of the kinds a node produces: seasonality (daily/hourly cycles), trend,
// noise (white and autocorrelated), level shifts, spikes, drifts, quantised counters and bounded
// ratios. Mixed into training so the model has seen every basic shape, and used by tests. Injected
// anomalies (spikes, shifts, drift starts) are returned as labels for tests of the scoring side.
import { createRng, type Rng } from '../lstm/prng.ts';

export interface SyntheticSeries {
  readonly name: string;
  readonly values: Float64Array;
  /** 1 where an anomaly was injected (spike, level shift onset, drift). */
  readonly labels: Uint8Array;
}

export interface SyntheticOptions {
  readonly count: number;
  readonly length: number;
  readonly seed: number;
}

const PERIODS = [12, 24, 48, 96, 144, 288, 1440];

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)]!;
const logUniform = (rng: Rng, lo: number, hi: number): number => Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));

function syntheticSeries(index: number, length: number, rng: Rng): SyntheticSeries {
  const values = new Float64Array(length);
  const labels = new Uint8Array(length);
  const level = logUniform(rng, 0.01, 1e6);
  const scale = level * logUniform(rng, 0.01, 0.5);
  const seasonal = rng.next() < 0.7;
  const period = pick(rng, PERIODS);
  const amp = seasonal ? scale * logUniform(rng, 0.2, 3) : 0;
  const amp2 = amp * rng.next() * 0.5;
  const phase = rng.next() * 2 * Math.PI;
  const trend = rng.next() < 0.3 ? ((rng.next() - 0.5) * scale * 4) / length : 0;
  const noise = scale * logUniform(rng, 0.02, 1);
  const ar = rng.next() < 0.5 ? 0.5 + 0.45 * rng.next() : 0; // autocorrelated noise share
  const walk = rng.next() < 0.15 ? scale * 0.05 : 0;
  const quantum = rng.next() < 0.15 ? Math.max(1, Math.round(noise)) : 0; // counters, queue lengths
  const bounded = rng.next() < 0.2; // a ratio in [0,1]
  const spikeRate = rng.next() < 0.5 ? logUniform(rng, 1e-4, 3e-3) : 0;
  const shiftRate = rng.next() < 0.4 ? logUniform(rng, 1e-4, 1e-3) : 0;
  const driftRate = rng.next() < 0.2 ? logUniform(rng, 1e-4, 5e-4) : 0;
  let e = 0;
  let w = 0;
  let shift = 0;
  let drift = 0;
  let driftLeft = 0;
  let driftSlope = 0;
  for (let t = 0; t < length; t++) {
    e = ar * e + Math.sqrt(1 - ar * ar) * rng.normal();
    w += walk * rng.normal();
    if (rng.next() < shiftRate) {
      shift += (rng.next() < 0.5 ? -1 : 1) * scale * logUniform(rng, 1, 6);
      labels[t] = 1;
    }
    if (driftLeft === 0 && rng.next() < driftRate) {
      driftLeft = 50 + rng.int(400);
      driftSlope = ((rng.next() < 0.5 ? -1 : 1) * scale * logUniform(rng, 1, 5)) / driftLeft;
    }
    if (driftLeft > 0) {
      drift += driftSlope;
      driftLeft--;
      labels[t] = 1;
    }
    const season = amp * Math.sin((2 * Math.PI * t) / period + phase) + amp2 * Math.sin((4 * Math.PI * t) / period + 2 * phase);
    let v = level + season + trend * t + noise * e + w + shift + drift;
    if (rng.next() < spikeRate) {
      v += (rng.next() < 0.8 ? 1 : -1) * (noise + Math.abs(amp)) * logUniform(rng, 4, 20);
      labels[t] = 1;
    }
    if (quantum) v = Math.round(v / quantum) * quantum;
    values[t] = v;
  }
  if (bounded) {
    // Squash into a ratio the way utilisation metrics look (most time in a band, clipped at 0 and 1).
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const span = hi - lo || 1;
    const base = rng.next() * 0.6;
    const width = 0.1 + rng.next() * 0.5;
    for (let t = 0; t < length; t++) values[t] = Math.min(1, Math.max(0, base + (width * (values[t]! - lo)) / span));
  }
  return { name: `synthetic-${index}`, values, labels };
}

export function generateSynthetic(options: SyntheticOptions): SyntheticSeries[] {
  const rng = createRng(options.seed);
  return Array.from({ length: options.count }, (_, i) => syntheticSeries(i, options.length, rng));
}
