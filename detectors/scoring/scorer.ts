// The one scoring code path, used identically by the daemon (one step per tick, every monitored
// series in the batch), `vigil detect` (one step per CSV row, or per row of a multivariate file) and
// `vigil eval`.
//
// For each series with a finite value x and a full window: predict the next normalised value from
// the window *before* x (causal), error = |z(x) − prediction|, rank = the calibrated error; then the
// stages after the model (stages.ts: sparse raw score, seasonal context, likelihood, range check,
// event logic) turn the rank into the final score and events; then learn: the error into the
// calibration, x into the normaliser, z(x) into the window. A non-finite value (NaN, Inf, a gap) is
// a no-op: no score and no state change, so it cannot poison anything.
// With `stages: null` the Scorer is the previous pipeline (the score is the calibrated rank, an
// event is every point at or above the threshold): kept for the comparison in DETECTION.md.
import type { Predictor } from '../predictor.ts';
import { calibratedScore, learnError, tailProbability } from './calibrator.ts';
import { normalize, scaleOf, update } from './normalizer.ts';
import { isWarm, newSeriesState, pushWindow, type SeriesState } from './series-state.ts';
import { DEFAULT_STAGE_OPTIONS, stagePoint, type StageOptions, type StageOutput } from './stages.ts';

/** Calibrated errors before a series may be flagged (on top of a full window). */
const DEFAULT_MIN_CALIBRATION = 100;

/** Per-series outcome of one step; arrays are indexed like the step's `states`. */
export interface StepResult {
  /** Calibrated score in [0,1]; NaN when the point got no score (non-finite value, window not full yet). */
  readonly scores: Float64Array;
  /** 1 when the series was past warm-up for this point (only then may it be flagged). */
  readonly warm: Uint8Array;
  /** The prediction error |z − prediction| behind each score (NaN when the point got none). */
  readonly errors: Float64Array;
  /** Sparse raw score in [0,1] (after the seasonal context); NaN when the point got no score. */
  readonly raw: Float64Array;
  /**
   * The score before the event logic (likelihood and range check; 0 in warm-up), NaN when the point
   * got no score. It does not depend on the threshold, so eval can sweep thresholds over it.
   */
  readonly level: Float64Array;
  /** The calibrated rank of the error (the previous pipeline's score); NaN when the point got none. */
  readonly rank: Float64Array;
  /** The error's tail probability (calibrator.ts tailProbability; the tail gate's input); NaN when the point got none. */
  readonly tail: Float64Array;
  /** 1 while the series is in an event (vigil_anomaly). */
  readonly anomaly: Uint8Array;
  /** 1 when an event started at this point (vigil_anomaly_events_total counts these). */
  readonly started: Uint8Array;
}

export class Scorer {
  private predictor: Predictor;
  private readonly minCalibration: number;
  private capacity = 0;
  private input = new Float32Array(0);
  private output = new Float32Array(0);
  private active = new Int32Array(0);
  private scores = new Float64Array(0);
  private warm = new Uint8Array(0);
  private errors = new Float64Array(0);
  private raw = new Float64Array(0);
  private level = new Float64Array(0);
  private rank = new Float64Array(0);
  private tail = new Float64Array(0);
  private anomaly = new Uint8Array(0);
  private started = new Uint8Array(0);
  private readonly stages: StageOptions | null;
  private readonly threshold: number;
  private readonly out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };

  /**
   * `stages`: the options of the stages after the model (threshold included); `null` = the previous
   * pipeline, flagging points whose calibrated rank is at or above `previousThreshold`.
   */
  constructor(predictor: Predictor, minCalibration = DEFAULT_MIN_CALIBRATION, stages: StageOptions | null = DEFAULT_STAGE_OPTIONS, previousThreshold = 0.9999) {
    this.predictor = predictor;
    this.minCalibration = minCalibration;
    this.stages = stages;
    this.threshold = stages === null ? previousThreshold : stages.threshold;
  }

  /** The score at or above which an event starts. */
  get eventThreshold(): number {
    return this.threshold;
  }

  get window(): number {
    return this.predictor.window;
  }

  get model(): Predictor {
    return this.predictor;
  }

  /** A fresh state for a series this scorer will see. */
  newState(): SeriesState {
    return newSeriesState(this.predictor.window, this.stages ?? DEFAULT_STAGE_OPTIONS);
  }

  /** Swaps the model (retraining). States keep working when the window length is the same. */
  setPredictor(p: Predictor): void {
    if (p.window !== this.predictor.window) throw new Error(`new model window ${p.window} differs from ${this.predictor.window}`);
    this.predictor = p;
  }

  /** Whether this state is past warm-up. */
  isWarm(s: SeriesState): boolean {
    return isWarm(s, this.minCalibration);
  }

  private ensure(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(n, this.capacity * 2, 8);
    this.input = new Float32Array(cap * this.predictor.window);
    this.output = new Float32Array(cap);
    this.active = new Int32Array(cap);
    this.scores = new Float64Array(cap);
    this.warm = new Uint8Array(cap);
    this.errors = new Float64Array(cap);
    this.raw = new Float64Array(cap);
    this.level = new Float64Array(cap);
    this.rank = new Float64Array(cap);
    this.tail = new Float64Array(cap);
    this.anomaly = new Uint8Array(cap);
    this.started = new Uint8Array(cap);
    this.capacity = cap;
  }

  /**
   * Scores values[i] against states[i] for i < n, all in one predict call, then learns them.
   * `times[i]`: the point's time in seconds since the epoch (NaN or absent: unknown, no seasonal
   * context). The returned arrays are reused by the next call: read them before stepping again.
   */
  async step(states: readonly SeriesState[], values: ArrayLike<number>, n: number = states.length, times?: ArrayLike<number>): Promise<StepResult> {
    this.ensure(n);
    const W = this.predictor.window;
    const { active, scores, warm, errors, raw, level, anomaly, started, tail } = this;
    const tailQuantile = this.stages?.tailQuantile ?? 0;
    let batch = 0;
    for (let i = 0; i < n; i++) {
      scores[i] = Number.NaN;
      warm[i] = 0;
      errors[i] = Number.NaN;
      raw[i] = Number.NaN;
      level[i] = Number.NaN;
      tail[i] = Number.NaN;
      anomaly[i] = 0;
      started[i] = 0;
      const s = states[i]!;
      if (Number.isFinite(values[i]!) && s.filled === W) active[batch++] = i;
    }
    if (batch > 0) {
      const input = this.input;
      for (let b = 0; b < batch; b++) {
        const s = states[active[b]!]!;
        // Oldest first: the ring's head is its oldest value once it is full.
        for (let t = 0, j = s.head; t < W; t++, j = j + 1 === W ? 0 : j + 1) input[t * batch + b] = s.window[j]!;
      }
      await this.predictor.predict(input, batch, this.output);
      for (let b = 0; b < batch; b++) {
        const i = active[b]!;
        const s = states[i]!;
        const err = Math.abs(normalize(s.norm, values[i]!) - this.output[b]!);
        warm[i] = isWarm(s, this.minCalibration) ? 1 : 0;
        errors[i] = err;
        scores[i] = calibratedScore(s.calibration, err);
        if (tailQuantile > 0) tail[i] = tailProbability(s.calibration, err, tailQuantile);
        learnError(s.calibration, err);
      }
    }
    this.afterModel(states, values, n, times);
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) continue;
      const s = states[i]!;
      pushWindow(s, normalize(s.norm, x));
      update(s.norm, x);
    }
    return { scores, warm, errors, raw, level, rank: this.rank, tail, anomaly, started };
  }

  /** The stages after the model, for every finite point (before the normaliser learns it). */
  private afterModel(states: readonly SeriesState[], values: ArrayLike<number>, n: number, times: ArrayLike<number> | undefined): void {
    const { scores, warm, raw, level, anomaly, started, out, rank: ranks, tail } = this;
    for (let i = 0; i < n; i++) ranks[i] = scores[i]!;
    const o = this.stages;
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) continue;
      const s = states[i]!;
      const rank = scores[i]!;
      if (o === null) {
        // The previous pipeline: the calibrated rank is the score; every point at or above the threshold is flagged.
        if (warm[i] === 1 && rank >= this.threshold) {
          anomaly[i] = 1;
          started[i] = s.stages.active === 1 ? 0 : 1;
          s.stages.active = 1;
        } else s.stages.active = 0;
        raw[i] = rank;
        level[i] = warm[i] === 1 ? rank : 0;
        continue;
      }
      // A change smaller than minRelativeChange of the level, on a series flatter than that, is not news.
      const news = Math.abs(s.norm.mean) * o.minRelativeChange;
      const small = s.norm.count > 0 && Math.abs(x - s.norm.mean) < news && scaleOf(s.norm) < news;
      const t = times === undefined ? Number.NaN : times[i]!;
      stagePoint(s.stages, o, x, rank, tail[i]!, t, warm[i] === 1, out, small);
      if (!Number.isNaN(rank)) {
        scores[i] = out.exported;
        raw[i] = out.raw;
        level[i] = out.score;
      }
      anomaly[i] = out.anomaly;
      started[i] = out.started;
    }
  }
}
