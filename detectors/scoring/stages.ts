// The stages after the model (issue 12): how a calibrated prediction error becomes an alarm.
// Per series and per point, all causal, O(1) state (a few numbers and two small fixed arrays):
//
// 1. sparse raw score: raw = rank^k, rank = the calibrated score of the error (share of this series'
//    own recent errors below it), so ordinary noise maps near 0 and only rare errors count; capped by
//    the tail gate (round 4): the error's probability under an exponential tail fitted beyond this
//    series' own 90 % error quantile must be below 10^-tailFrom to count at all and below 10^-tailTo
//    to count fully, so "the largest error in a while" (which some error always is) is not news
//    unless it is also far beyond what the series' error tail makes likely;
//    and the robust deviation check (round 4): a value more than `robustSigmas` robust scales (an
//    exponentially weighted mean absolute deviation, clipped so that outliers barely move it) from a
//    robust running level (which moves a fixed share of a scale per point, so a spike cannot drag it)
//    is news whatever the model's error: the model's calibration and the range learn from earlier
//    anomalies (a crash rate that spiked before), this check does not;
// 2. seasonal context (off by default): a per-series time-of-day profile (bins over a day) counting,
//    with a decay of `seasonalDecay` per day, the earlier days with a high raw score near this time
//    of day (±1 bin); seen once, a spike is still news; seen on about `seasonalDays` days it is
//    expected (raw score discounted to 0, no range breach), so a daily cron spike stops counting;
// 3. anomaly likelihood: the mean of the raw score over the last `shortWindow` points compared with
//    the distribution of that mean over a long history (exponentially weighted mean and variance,
//    half-life `longHalfLife` points, with floors), as a Gaussian tail probability, mapped to [0,1]
//    on a log scale: score = log(tail + 1e-10) / log(1e-10), so 0.5 means tail 1e-5;
// 4. range check: after warm-up, a value beyond the range the series has shown by more than
//    `rangeTolerance` of that range's width raises the score to `rangeScore`; the reference range
//    follows new extremes by `rangeFollow` of the gap per point (a leak that outruns it is caught,
//    a level shift is news once); while the range is young the tolerance is at least
//    `rangeScaleFloor` robust scales, fading out over `rangeScaleFloorPoints` points (round 4: the
//    range seen in a series' first minutes is no bound on its noise);
// 5. level check (round 3): a change the one-step error cannot see (a level shift the model follows
//    at once, a drift, a rise within the range): the distance between a short exponentially weighted
//    mean of the value (half-life `driftShortHalfLife` points) and a long one (`driftLongHalfLife`),
//    in units of the long-run standard deviation around the long mean (floored at `driftFloor` of the
//    level); after `driftWarmup` points, `driftSigmas` or more raise the score to `rangeScore`;
// 5b. flatline check (round 4): a series that changes at almost every point repeating one value for
//    a run whose probability (its own repeat rate ^ run) is below 10^flatlineLog10 raises the score to
//    `rangeScore` (a stuck exporter, a frozen sensor, a counter that stopped);
// 6. event logic: an event starts when the score reaches the threshold outside a refractory period;
//    the event is active (vigil_anomaly 1) from its start while the score stays at or above the
//    threshold; for `refractory` points after the last active point the series starts no new event
//    and its exported score is held at half the threshold at most (a long incident is one event).
// A change too small to be news on a flat series (see minRelativeChange, decided by the Scorer)
// counts neither for the raw score nor for the range check.
import { gaussianTail } from './gaussian.ts';

export interface StageOptions {
  /** Exponent of the sparse raw score. */
  readonly power: number;
  /** Tail gate: the error quantile beyond which the tail is fitted (0 disables the gate). */
  readonly tailQuantile: number;
  /** Tail gate: −log10 of the tail probability where the raw score starts to count, and where it counts fully. */
  readonly tailFrom: number;
  readonly tailTo: number;
  /** Robust deviation check: distance in robust scales that makes a value news (0 disables it). */
  readonly robustSigmas: number;
  /** Robust deviation check: share of a scale by which the level moves toward each value. */
  readonly robustStep: number;
  /** Robust deviation check: half-life (points) of the scale. */
  readonly robustHalfLife: number;
  /** Robust deviation check: points seen before it may score. */
  readonly robustWarmup: number;
  /** Robust deviation check: far points in a row on one side after which the level moves there (a shift is news once). */
  readonly robustRelearn: number;
  /** Robust deviation check: floor of the scale, as a share of the level's magnitude. */
  readonly robustFloor: number;
  /** Points in the short window of the likelihood. */
  readonly shortWindow: number;
  /** Half-life (points) of the long-history mean and variance of the short mean. */
  readonly longHalfLife: number;
  /** Floor of the long-history standard deviation (in raw-score units). */
  readonly minStd: number;
  /** Floor of the long-history mean. */
  readonly minMean: number;
  /** Short means learned before the likelihood may score. */
  readonly likelihoodWarmup: number;
  /** Range check tolerance, as a share of the range's width (0 disables the range check). */
  readonly rangeTolerance: number;
  /** Score given by a range breach. */
  readonly rangeScore: number;
  /** Points the reference range needs before it is checked. */
  readonly rangeWarmup: number;
  /** Share of the gap by which the reference range follows a new extreme per point. */
  readonly rangeFollow: number;
  /** Floor of the range tolerance, in robust scales (the robust deviation check's scale): a noisy series' range learned over a short time is not a bound on its noise. */
  readonly rangeScaleFloor: number;
  /** Points over which that floor fades out (a range seen for long is a bound on the noise). */
  readonly rangeScaleFloorPoints: number;
  /** Consecutive points a value must stay beyond the range before it counts. */
  readonly rangePersist: number;
  /** Time-of-day bins of the seasonal profile (0 disables it). */
  readonly seasonalBins: number;
  /** Weight an earlier day keeps in the seasonal profile, per day. */
  readonly seasonalDecay: number;
  /** Earlier days with a high raw score near this time of day after which a spike is fully expected. */
  readonly seasonalDays: number;
  /** A raw score at least this high counts as "a spike seen at this time of day". */
  readonly seasonalHigh: number;
  /** Seen (decayed count of days) from which a range breach at this time of day is expected, not news. */
  readonly seasonalExpected: number;
  /** Level check: half-lives (points) of the short and long mean of the value. */
  readonly driftShortHalfLife: number;
  readonly driftLongHalfLife: number;
  /** Level check: distance (long-run standard deviations) that raises the score (0 disables it). */
  readonly driftSigmas: number;
  /** Level check: floor of the long-run standard deviation, as a share of the long mean's magnitude. */
  readonly driftFloor: number;
  /** Level check: points seen before it may score. */
  readonly driftWarmup: number;
  /** Flatline check: log10 of the probability (repeat rate ^ run length) below which a run of unchanged values is news (0 disables it). */
  readonly flatlineLog10: number;
  /** Flatline check: the shortest run of unchanged values that can be news. */
  readonly flatlineMinRun: number;
  /** Flatline check: half-life (points) of the series' repeat rate, and the rate's floor. */
  readonly flatlineHalfLife: number;
  readonly flatlineFloor: number;
  /** Points after an event start during which the series starts no new event. */
  readonly refractory: number;
  /** Score threshold of an event. */
  readonly threshold: number;
  /** The likelihood stage (false: the raw score itself is the score; for the ablation in DETECTION.md). */
  readonly likelihood: boolean;
  /** On a series flatter than this share of its level, changes smaller than it are not news. */
  readonly minRelativeChange: number;
}

export const DEFAULT_STAGE_OPTIONS: StageOptions = {
  power: 150,
  tailQuantile: 0.9,
  tailFrom: 3,
  tailTo: 4,
  robustSigmas: 16,
  robustStep: 0.05,
  robustHalfLife: 256,
  robustWarmup: 100,
  robustRelearn: 30,
  robustFloor: 0.01,
  shortWindow: 6,
  longHalfLife: 512,
  minStd: 0.02,
  minMean: 0.01,
  likelihoodWarmup: 30,
  rangeTolerance: 0.3,
  rangeScore: 0.75,
  rangeWarmup: 100,
  rangeFollow: 0.02,
  rangeScaleFloor: 4,
  rangeScaleFloorPoints: 3000,
  rangePersist: 1,
  seasonalBins: 0,
  seasonalDecay: 0.7,
  seasonalDays: 1.5,
  seasonalHigh: 0.5,
  seasonalExpected: 1.5,
  driftShortHalfLife: 2,
  driftLongHalfLife: 256,
  driftSigmas: 3,
  driftFloor: 0.02,
  driftWarmup: 120,
  flatlineLog10: -8,
  flatlineMinRun: 20,
  flatlineHalfLife: 1024,
  flatlineFloor: 0.02,
  refractory: 30,
  threshold: 0.6,
  likelihood: true,
  minRelativeChange: 0.02,
};

const DAY_SECONDS = 86_400;
/** Time-of-day bins of the seasonal context when it is on (10 minutes each). */
export const SEASONAL_BINS = 144;
const LN_FLOOR = Math.log(1e-10);

/** Per-series state of the stages; plain data (persisted as JSON with the series state). */
export interface StageState {
  /** Ring of the last shortWindow raw scores, and its running sum. */
  readonly short: Float32Array;
  shortHead: number;
  shortFilled: number;
  shortSum: number;
  /** EW mean and variance of the short mean, and how many short means were learned. */
  longMean: number;
  longVar: number;
  longCount: number;
  /** Reference range (follows new extremes slowly), the raw range, and points seen. */
  refMin: number;
  refMax: number;
  rangeCount: number;
  /** Consecutive points beyond the reference range so far. */
  rangeRun: number;
  /** Seasonal profile: per time-of-day bin, the decayed count of earlier days with a high raw score there. */
  readonly profile: Float32Array;
  /** Today's highest raw score per bin; `profileDay` is the day (UTC) of `today`. */
  readonly today: Float32Array;
  profileDay: number;
  /** Level check: short and long EW mean of the value, EW variance around the long mean, points seen. */
  driftShort: number;
  driftLong: number;
  driftVar: number;
  driftCount: number;
  /** Robust deviation check: the running level, the scale (EW mean absolute deviation), points seen. */
  robustLevel: number;
  robustScale: number;
  robustCount: number;
  /** Far points in a row, signed by their side. */
  robustRun: number;
  /** Flatline check: the previous value, the current run of unchanged values, the repeat rate, points seen. */
  flatPrev: number;
  flatRun: number;
  flatRate: number;
  flatCount: number;
  /** Points left in the refractory period (0 = none); events started so far. */
  refractoryLeft: number;
  events: number;
  /** 1 while the latest event is active (from its start while the score stays at or above the threshold). */
  active: number;
  /** Time (s) of the last point, to ignore a clock jump backwards in the seasonal profile. */
  lastTime: number;
}

export function newStageState(o: StageOptions): StageState {
  return {
    short: new Float32Array(Math.max(1, o.shortWindow)),
    shortHead: 0,
    shortFilled: 0,
    shortSum: 0,
    longMean: 0,
    longVar: 0,
    longCount: 0,
    refMin: Number.NaN,
    refMax: Number.NaN,
    rangeCount: 0,
    rangeRun: 0,
    profile: new Float32Array(Math.max(0, o.seasonalBins)),
    today: new Float32Array(Math.max(0, o.seasonalBins)),
    profileDay: Number.NaN,
    driftShort: 0,
    driftLong: 0,
    driftVar: 0,
    driftCount: 0,
    robustLevel: 0,
    robustScale: 0,
    robustCount: 0,
    robustRun: 0,
    flatPrev: Number.NaN,
    flatRun: 0,
    flatRate: 0,
    flatCount: 0,
    refractoryLeft: 0,
    events: 0,
    active: 0,
    lastTime: Number.NaN,
  };
}

/** What one point produced. */
export interface StageOutput {
  /** Sparse raw score after the seasonal context, in [0,1]. */
  raw: number;
  /** Score before the event logic, in [0,1]. */
  score: number;
  /** Exported score (held below the threshold during a refractory period). */
  exported: number;
  /** 1 while an event is active (including the start), else 0. */
  anomaly: number;
  /** 1 when an event started at this point. */
  started: number;
}

/** Raw score from the calibrated rank of the error. */
const sparseRaw = (rank: number, power: number): number => (rank > 0 ? Math.pow(rank, power) : 0);

/** The tail gate's cap on the raw score, from the error's tail probability (NaN: no gate). */
function tailCap(tail: number, o: StageOptions): number {
  if (o.tailQuantile <= 0 || Number.isNaN(tail)) return 1;
  const c = (-Math.log10(Math.max(tail, 1e-12)) - o.tailFrom) / (o.tailTo - o.tailFrom);
  return c < 0 ? 0 : c > 1 ? 1 : c;
}

/** The robust deviation check: learns x, and says whether it was news before learning it. */
function robustNews(s: StageState, o: StageOptions, x: number): boolean {
  if (o.robustSigmas <= 0) return false;
  if (s.robustCount === 0) {
    s.robustLevel = x;
    s.robustScale = 0;
    s.robustCount = 1;
    return false;
  }
  const d = x - s.robustLevel;
  const scale = Math.max(s.robustScale, o.robustFloor * Math.abs(s.robustLevel), 1e-9);
  const far = Math.abs(d) > o.robustSigmas * scale;
  const news = s.robustCount >= o.robustWarmup && far;
  // A level that holds: after `robustRelearn` far points in a row on one side, the level jumps there
  // (it moves only a share of a scale per point, so a shift would otherwise stay "far" for hours).
  s.robustRun = far ? (Math.sign(d) === Math.sign(s.robustRun) ? s.robustRun + Math.sign(d) : Math.sign(d)) : 0;
  if (Math.abs(s.robustRun) >= o.robustRelearn) {
    s.robustLevel = x;
    s.robustRun = 0;
    return news;
  }
  const w = Math.max(1 - Math.pow(2, -1 / o.robustHalfLife), 1 / (s.robustCount + 1));
  // Clipped at 4 scales: an outlier moves the scale as a large ordinary deviation would, no more.
  s.robustScale += w * (Math.min(Math.abs(d), 4 * scale) - s.robustScale);
  s.robustLevel += o.robustStep * scale * Math.sign(d);
  if (s.robustCount < 1e9) s.robustCount++;
  return news;
}

/** Maps a tail probability to [0,1] on a log scale: 1e-5 → 0.5, 1e-10 or less → about 1. */
export const logScore = (tail: number): number => {
  const s = Math.log(tail + 1e-10) / LN_FLOOR;
  return s < 0 ? 0 : s > 1 ? 1 : s;
};

/**
 * The flatline check: learns x, and says whether the run of unchanged values it ends or extends is
 * news: a series that changes at almost every point (its repeat rate, learned with equal weights and
 * then exponentially, floored) repeating one value `run` times has probability rate^run; below
 * 10^flatlineLog10 it is a stuck exporter, a frozen sensor, a counter that stopped. A series that
 * often repeats itself (a constant, a quantised gauge) learns a high rate and never gets there.
 */
function flatlineNews(s: StageState, o: StageOptions, x: number): boolean {
  if (o.flatlineLog10 >= 0) return false;
  const repeat = x === s.flatPrev;
  s.flatRun = repeat ? s.flatRun + 1 : 0;
  s.flatPrev = x;
  const rate = Math.max(s.flatRate, o.flatlineFloor);
  const news = repeat && s.flatCount >= o.rangeWarmup && s.flatRun >= o.flatlineMinRun && s.flatRun * Math.log10(rate) <= o.flatlineLog10;
  // The rate learns repeats only up to the run that would be news, so a long flatline is not learned as normal at once.
  if (!news) {
    const w = Math.max(1 - Math.pow(2, -1 / o.flatlineHalfLife), 1 / (s.flatCount + 1));
    s.flatRate += w * ((repeat ? 1 : 0) - s.flatRate);
    if (s.flatCount < 1e9) s.flatCount++;
  }
  return news;
}

/**
 * Runs the stages for one finite point. `rank` is the calibrated score of its error (NaN when the
 * model gave none: window not full), `tail` its tail probability (calibrator.ts tailProbability; NaN:
 * no tail gate); `scoring` says whether the series is past the model's warm-up
 * (before it, the stages learn but never raise an event). `time` is in seconds (NaN: no seasonal
 * context for this point). `small`: the change is too small to be news (see minRelativeChange):
 * neither the raw score nor the range check count it.
 */
export function stagePoint(
  s: StageState,
  o: StageOptions,
  x: number,
  rank: number,
  tail: number,
  time: number,
  scoring: boolean,
  out: StageOutput,
  small = false,
): StageOutput {
  const a = 1 - Math.pow(2, -1 / o.longHalfLife);
  let raw = Number.isFinite(rank) && !small ? Math.min(sparseRaw(rank, o.power), tailCap(tail, o)) : 0;
  if (robustNews(s, o, x) && Number.isFinite(rank) && !small) raw = 1;

  // Seasonal context: `past[b]` counts (decayed) earlier days with a high raw score near this time of day.
  let seen = 0;
  if (o.seasonalBins > 0 && Number.isFinite(time) && !(time < s.lastTime)) {
    const day = Math.floor(time / DAY_SECONDS);
    if (!(s.profileDay === day)) {
      if (Number.isFinite(s.profileDay)) {
        // Close the days since the last point: today's highs join the decayed history.
        const days = Math.min(day - s.profileDay, 60);
        const k = Math.pow(o.seasonalDecay, days - 1);
        for (let i = 0; i < s.profile.length; i++) {
          s.profile[i] = (s.profile[i]! * o.seasonalDecay + (s.today[i]! >= o.seasonalHigh ? 1 : 0)) * k;
          s.today[i] = 0;
        }
      }
      s.profileDay = day;
    }
    const B = s.profile.length;
    const bin = Math.min(B - 1, Math.floor(((time - day * DAY_SECONDS) / DAY_SECONDS) * B));
    seen = Math.max(s.profile[bin]!, s.profile[bin === 0 ? B - 1 : bin - 1]!, s.profile[bin + 1 === B ? 0 : bin + 1]!);
    if (raw > s.today[bin]!) s.today[bin] = raw;
    s.lastTime = time;
    // Seen once before: still news. Seen on about `seasonalDays` earlier days (decayed count): expected.
    const expected = (seen - 1) / (o.seasonalDays - 1);
    if (expected > 0) raw *= expected >= 1 ? 0 : 1 - expected;
  }

  // Likelihood.
  const S = s.short.length;
  s.shortSum += raw - (s.shortFilled === S ? s.short[s.shortHead]! : 0);
  s.short[s.shortHead] = raw;
  s.shortHead = s.shortHead + 1 === S ? 0 : s.shortHead + 1;
  if (s.shortFilled < S) s.shortFilled++;
  const shortMean = s.shortSum > 0 ? s.shortSum / s.shortFilled : 0;
  let score = 0;
  if (!o.likelihood) score = raw;
  else if (s.longCount >= o.likelihoodWarmup) {
    const mean = Math.max(s.longMean, o.minMean);
    const std = Math.max(Math.sqrt(s.longVar), o.minStd);
    score = logScore(gaussianTail((shortMean - mean) / std));
  }
  // Learn the short mean (after scoring with the history before it).
  if (s.longCount === 0) {
    s.longMean = shortMean;
    s.longVar = 0;
  } else {
    const d = shortMean - s.longMean;
    // With few points, weight them equally; then exponentially.
    const w = Math.max(a, 1 / (s.longCount + 1));
    s.longMean += w * d;
    s.longVar = (1 - w) * (s.longVar + w * d * d);
  }
  if (s.longCount < 1e9) s.longCount++;

  // Range check.
  if (o.rangeTolerance > 0) {
    if (s.rangeCount === 0) {
      s.refMin = x;
      s.refMax = x;
    } else {
      const width = s.refMax - s.refMin;
      if (s.rangeCount >= o.rangeWarmup && width > 0) {
        const young = Math.max(0, 1 - s.rangeCount / o.rangeScaleFloorPoints);
        const tol = Math.max(o.rangeTolerance * width, o.rangeScaleFloor * young * s.robustScale);
        if (x > s.refMax + tol || x < s.refMin - tol) {
          s.rangeRun++;
          // Not news: a change too small for this flat series, or a spike expected at this time of day.
          if (s.rangeRun >= o.rangePersist && !small && seen < o.seasonalExpected) {
            score = Math.max(score, o.rangeScore);
          }
        } else s.rangeRun = 0;
      }
      if (x > s.refMax) s.refMax += o.rangeFollow * (x - s.refMax);
      else if (x < s.refMin) s.refMin += o.rangeFollow * (x - s.refMin);
      // During the range's own warm-up it takes every value at once.
      if (s.rangeCount < o.rangeWarmup) {
        if (x > s.refMax) s.refMax = x;
        if (x < s.refMin) s.refMin = x;
      }
    }
    if (s.rangeCount < 1e9) s.rangeCount++;
  }

  // Level check.
  if (o.driftSigmas > 0) {
    if (s.driftCount === 0) {
      s.driftShort = x;
      s.driftLong = x;
      s.driftVar = 0;
    } else {
      const as = 1 - Math.pow(2, -1 / o.driftShortHalfLife);
      // With few points, weight them equally (a plain running mean and variance); then exponentially.
      // Weighted exponentially from the first point, the variance starts at 0 and needs several
      // half-lives to reach the series' own: Gaussian noise raised level events for hours.
      const al = Math.max(1 - Math.pow(2, -1 / o.driftLongHalfLife), 1 / (s.driftCount + 1));
      const d = x - s.driftLong;
      s.driftShort += as * (x - s.driftShort);
      s.driftLong += al * d;
      s.driftVar = (1 - al) * (s.driftVar + al * d * d);
    }
    if (s.driftCount < 1e9) s.driftCount++;
    if (s.driftCount >= o.driftWarmup && !small && seen < o.seasonalExpected) {
      const scale = Math.max(Math.sqrt(s.driftVar), o.driftFloor * Math.abs(s.driftLong), 1e-9);
      if (Math.abs(s.driftShort - s.driftLong) >= o.driftSigmas * scale) score = Math.max(score, o.rangeScore);
    }
  }

  if (flatlineNews(s, o, x) && seen < o.seasonalExpected) score = Math.max(score, o.rangeScore);

  out.raw = raw;
  return eventPoint(s, o, scoring ? score : 0, out);
}

/** The event logic alone (stage 5), on a score in [0,1]; fills out.score/exported/anomaly/started. */
export function eventPoint(s: StageState, o: StageOptions, score: number, out: StageOutput): StageOutput {
  out.score = score;
  out.started = 0;
  if (s.refractoryLeft > 0) {
    s.refractoryLeft--;
    // The event started by this refractory period stays active while the score holds, and while it
    // is active the refractory period restarts: one incident (a level shift, a long outage) is one
    // event however long it lasts; a new event needs `refractory` quiet-enough points after it.
    out.anomaly = s.active === 1 && score >= o.threshold ? 1 : 0;
    s.active = out.anomaly;
    if (out.anomaly === 1) s.refractoryLeft = Math.max(0, o.refractory - 1);
    out.exported = Math.min(score, 0.5 * o.threshold);
  } else if (score >= o.threshold) {
    s.refractoryLeft = Math.max(0, o.refractory - 1);
    s.events++;
    s.active = 1;
    out.anomaly = 1;
    out.started = 1;
    out.exported = score;
  } else {
    s.active = 0;
    out.anomaly = 0;
    out.exported = score;
  }
  return out;
}
