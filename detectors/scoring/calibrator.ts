// Turns a raw prediction error into a calibrated score in [0,1]: the share of this series' own recent
// errors that were smaller (an empirical CDF), so that threshold 0.99 means "rarer than 99% of what
// this series usually does" on every series, whatever its scale or noise. The distribution is a
// log-binned histogram with exponential forgetting: O(1) memory, learned online, and an old regime
// fades out after a few half-lives.

/** Errors below this share the first bin (they are all "tiny"). */
const MIN_ERROR = 1e-4;
const DECADES = 6;
const BINS_PER_DECADE = 16;
/** Underflow bin, log bins from MIN_ERROR to MIN_ERROR·10^DECADES, overflow bin. */
export const CALIBRATION_BINS = DECADES * BINS_PER_DECADE + 2;
/** Errors after which an observation's weight halves (about 5.7 h at a 10 s tick). */
const CALIBRATION_HALF_LIFE = 2048;
const GROWTH = Math.pow(2, 1 / CALIBRATION_HALF_LIFE);
/** Rescale before the growing weight overflows. */
const RESCALE_AT = 1e100;
const LOG_MIN = Math.log10(MIN_ERROR);

export interface CalibrationState {
  /** Decayed weight per bin (scaled by the current `weight`). */
  readonly bins: Float64Array;
  /** Sum of bins. */
  total: number;
  /** Weight of the next observation: grows instead of decaying every bin (lazy forgetting). */
  weight: number;
  /** Errors seen (saturates); the warm-up counts these. */
  count: number;
}

export const newCalibrationState = (): CalibrationState => ({ bins: new Float64Array(CALIBRATION_BINS), total: 0, weight: 1, count: 0 });

/** Bin of an error and its position inside the bin (0..1), written to `pos[0]`. */
function binOf(err: number, pos: Float64Array): number {
  if (err < MIN_ERROR) {
    pos[0] = err <= 0 ? 0 : err / MIN_ERROR;
    return 0;
  }
  const x = (Math.log10(err) - LOG_MIN) * BINS_PER_DECADE;
  if (x >= DECADES * BINS_PER_DECADE) {
    pos[0] = 0.5;
    return CALIBRATION_BINS - 1;
  }
  const i = Math.floor(x);
  pos[0] = x - i;
  return i + 1;
}

const scratch = new Float64Array(1);

/**
 * The calibrated score of `err`: the weighted share of past errors below it (within its bin, in
 * proportion to its position). 0 when nothing was seen yet. Does not learn from `err`.
 */
export function calibratedScore(s: CalibrationState, err: number): number {
  if (s.total <= 0 || !(err >= 0)) return 0;
  const b = binOf(err, scratch);
  let below = 0;
  for (let i = 0; i < b; i++) below += s.bins[i]!;
  below += s.bins[b]! * scratch[0]!;
  const score = below / s.total;
  return score > 1 ? 1 : score;
}

/** Learns one error. Non-finite errors are ignored. */
export function learnError(s: CalibrationState, err: number): void {
  if (!(err >= 0) || !Number.isFinite(err)) return;
  const b = binOf(err, scratch);
  s.bins[b] = s.bins[b]! + s.weight;
  s.total += s.weight;
  s.weight *= GROWTH;
  if (s.weight > RESCALE_AT) {
    const k = 1 / s.weight;
    for (let i = 0; i < s.bins.length; i++) s.bins[i] = s.bins[i]! * k;
    s.total *= k;
    s.weight = 1;
  }
  if (s.count < 1e9) s.count++;
}

/** Lower edge of a bin, and its upper edge (the overflow bin's taken as twice its lower edge). */
const binLow = (b: number): number => (b === 0 ? 0 : Math.pow(10, LOG_MIN + (b - 1) / BINS_PER_DECADE));
const binHigh = (b: number): number => (b === CALIBRATION_BINS - 1 ? 2 * binLow(b) : Math.pow(10, LOG_MIN + b / BINS_PER_DECADE));
/** Errors learned before the tail is fitted (until then the tail probability is 1 − rank). */
const TAIL_MIN_COUNT = 30;

/**
 * The probability of an error at least as large as `err`, with the far tail extrapolated (peaks over
 * threshold): beyond the `q`-quantile u of this series' own errors, the tail is taken as exponential,
 * P(error > e) = (1 − q)·exp(−(e − u)/β), β the mean excess over u. The empirical rank alone cannot
 * tell "the largest error in the last few thousand" (which some error always is) from "far larger
 * than anything this series does" (news); the fitted tail can. Below u it is 1 − rank. Does not
 * learn from `err`; O(bins).
 */
export function tailProbability(s: CalibrationState, err: number, q: number): number {
  const rank = calibratedScore(s, err);
  if (s.count < TAIL_MIN_COUNT || !(err >= 0)) return 1 - rank;
  // u: the q-quantile, interpolated inside its bin.
  const target = q * s.total;
  let acc = 0;
  let u = 0;
  let first = CALIBRATION_BINS;
  for (let b = 0; b < CALIBRATION_BINS; b++) {
    const w = s.bins[b]!;
    if (w > 0 && acc + w >= target) {
      u = binLow(b) + ((target - acc) / w) * (binHigh(b) - binLow(b));
      first = b;
      break;
    }
    acc += w;
  }
  if (!(err > u)) return 1 - rank;
  // β: the mean excess over u, each bin's weight at its centre (the part of u's own bin above u).
  let weight = 0;
  let excess = 0;
  for (let b = first; b < CALIBRATION_BINS; b++) {
    const w = s.bins[b]!;
    if (w <= 0) continue;
    const lo = Math.max(binLow(b), u);
    const hi = binHigh(b);
    if (hi <= u) continue;
    const share = b === first ? (hi - lo) / (hi - binLow(b)) : 1;
    weight += w * share;
    excess += w * share * ((lo + hi) / 2 - u);
  }
  const beta = weight > 0 ? excess / weight : 0;
  return (1 - q) * Math.exp(-(err - u) / Math.max(beta, 1e-9));
}
