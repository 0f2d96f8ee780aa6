// The one scoring code path, used identically by the daemon (one step per tick, every monitored
// series in the batch) and by `vigil detect` (one step per CSV row, or per row of a multivariate file).
//
// For each series with a finite value x and a full window: predict the next normalised value from
// the window *before* x (causal), error = |z(x) − prediction|, score = the calibrated error; then
// learn: the error into the calibration, x into the normaliser, z(x) into the window. A non-finite
// value (NaN, Inf, a gap) is a no-op: no score and no state change, so it cannot poison anything.
import type { Predictor } from '../predictor.ts';
import { calibratedScore, learnError } from './calibrator.ts';
import { normalize, update } from './normalizer.ts';
import { isWarm, newSeriesState, pushWindow, type SeriesState } from './series-state.ts';

/** Calibrated errors before a series may be flagged (on top of a full window). */
export const DEFAULT_MIN_CALIBRATION = 100;

/** Per-series outcome of one step; arrays are indexed like the step's `states`. */
export interface StepResult {
  /** Calibrated score in [0,1]; NaN when the point got no score (non-finite value, window not full yet). */
  readonly scores: Float64Array;
  /** 1 when the series was past warm-up for this point (only then may it be flagged). */
  readonly warm: Uint8Array;
  /** The prediction error |z − prediction| behind each score (NaN when the point got none). */
  readonly errors: Float64Array;
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

  constructor(predictor: Predictor, minCalibration = DEFAULT_MIN_CALIBRATION) {
    this.predictor = predictor;
    this.minCalibration = minCalibration;
  }

  get window(): number {
    return this.predictor.window;
  }

  get model(): Predictor {
    return this.predictor;
  }

  /** A fresh state for a series this scorer will see. */
  newState(): SeriesState {
    return newSeriesState(this.predictor.window);
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
    this.capacity = cap;
  }

  /**
   * Scores values[i] against states[i] for i < n, all in one predict call, then learns them.
   * The returned arrays are reused by the next call: read them before stepping again.
   */
  async step(states: readonly SeriesState[], values: ArrayLike<number>, n: number = states.length): Promise<StepResult> {
    this.ensure(n);
    const W = this.predictor.window;
    const { active, scores, warm, errors } = this;
    let batch = 0;
    for (let i = 0; i < n; i++) {
      scores[i] = Number.NaN;
      warm[i] = 0;
      errors[i] = Number.NaN;
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
        learnError(s.calibration, err);
      }
    }
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (!Number.isFinite(x)) continue;
      const s = states[i]!;
      pushWindow(s, normalize(s.norm, x));
      update(s.norm, x);
    }
    return { scores, warm, errors };
  }
}
