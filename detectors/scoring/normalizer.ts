// Online, per-series normalisation shared by training and scoring, so that the model sees in the
// daemon exactly what it saw in training. Exponentially weighted mean and variance: causal (a point
// is normalised with statistics of the points before it), O(1) state, and a level shift becomes the
// new normal after a few half-lives instead of being flagged forever.

/** Points after which the weight of an observation halves. */
export const NORMALIZER_HALF_LIFE = 512;
/** Normalised values are clipped to ±CLIP so a wild point cannot saturate the LSTM's state. */
export const NORMALIZED_CLIP = 10;
/** Scale floor relative to the mean's magnitude, and absolute: flat series must not divide by ~0. */
const RELATIVE_FLOOR = 1e-3;
const ABSOLUTE_FLOOR = 1e-6;

export interface NormalizerState {
  mean: number;
  variance: number;
  /** Points seen (saturates; only used to weight early points more). */
  count: number;
}

export const newNormalizerState = (): NormalizerState => ({ mean: 0, variance: 0, count: 0 });

/** The scale used for normalisation: the EW standard deviation with floors. */
export function scaleOf(s: NormalizerState): number {
  return Math.max(Math.sqrt(s.variance), RELATIVE_FLOOR * Math.abs(s.mean), ABSOLUTE_FLOOR);
}

/** Normalises x with the statistics before x (0 for the first point). Does not update. */
export function normalize(s: NormalizerState, x: number): number {
  if (s.count === 0) return 0;
  const z = (x - s.mean) / scaleOf(s);
  return z > NORMALIZED_CLIP ? NORMALIZED_CLIP : z < -NORMALIZED_CLIP ? -NORMALIZED_CLIP : z;
}

/** Folds x into the statistics. Non-finite values are ignored (a gap must not poison the state). */
export function update(s: NormalizerState, x: number): void {
  if (!Number.isFinite(x)) return;
  // Early on, weight like a plain running mean (1/n); then settle to the half-life's weight.
  const alpha = Math.max(1 / (s.count + 1), 1 - Math.pow(0.5, 1 / NORMALIZER_HALF_LIFE));
  const delta = x - s.mean;
  s.mean += alpha * delta;
  // West's EW variance update.
  s.variance = (1 - alpha) * (s.variance + alpha * delta * delta);
  if (s.count < 1e9) s.count++;
}
