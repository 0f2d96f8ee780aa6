// The baseline the model must beat: a rolling z-score over the same window (|x − mean| / std of the
// previous W raw values), calibrated and warmed up exactly as the model's errors are, so the two
// differ only in how they predict.
import { type CalibrationState, calibratedScore, learnError, newCalibrationState } from '../scoring/calibrator.ts';
import type { Predictor } from '../predictor.ts';
import type { StepResult } from '../scoring/scorer.ts';
import type { BatchScorer } from './batch-scorer.ts';

interface BaselineState {
  readonly ring: Float64Array;
  head: number;
  filled: number;
  readonly calibration: CalibrationState;
  /** 1 when the previous scored point was flagged (a run of flags is one event). */
  active: number;
}

export class RollingZScore implements BatchScorer<BaselineState> {
  private readonly window: number;
  private readonly minCalibration: number;
  private scores = new Float64Array(0);
  /** The rolling z-score has no tail gate: NaN throughout. */
  private tail = new Float64Array(0);
  private warm = new Uint8Array(0);
  private errors = new Float64Array(0);
  private raw = new Float64Array(0);
  private level = new Float64Array(0);
  private anomaly = new Uint8Array(0);
  private started = new Uint8Array(0);
  private readonly threshold: number;

  /** Flags (like the previous pipeline) every point whose calibrated score is at or above `threshold`. */
  constructor(window: number, minCalibration: number, threshold = 0.9999) {
    this.window = window;
    this.minCalibration = minCalibration;
    this.threshold = threshold;
  }

  /** The score at or above which a point is flagged. */
  get eventThreshold(): number {
    return this.threshold;
  }

  newState(): BaselineState {
    return { ring: new Float64Array(this.window), head: 0, filled: 0, calibration: newCalibrationState(), active: 0 };
  }

  async step(states: readonly BaselineState[], values: ArrayLike<number>, n = states.length): Promise<StepResult> {
    if (this.scores.length < n) {
      this.scores = new Float64Array(n);
      this.tail = new Float64Array(n).fill(Number.NaN);
      this.warm = new Uint8Array(n);
      this.errors = new Float64Array(n);
      this.raw = new Float64Array(n);
      this.level = new Float64Array(n);
      this.anomaly = new Uint8Array(n);
      this.started = new Uint8Array(n);
    }
    const W = this.window;
    for (let i = 0; i < n; i++) {
      const s = states[i]!;
      const x = values[i]!;
      this.scores[i] = Number.NaN;
      this.warm[i] = 0;
      this.errors[i] = Number.NaN;
      this.raw[i] = Number.NaN;
      this.level[i] = Number.NaN;
      this.anomaly[i] = 0;
      this.started[i] = 0;
      if (!Number.isFinite(x)) continue;
      if (s.filled === W) {
        let sum = 0;
        for (let k = 0; k < W; k++) sum += s.ring[k]!;
        const mean = sum / W;
        let ss = 0;
        for (let k = 0; k < W; k++) ss += (s.ring[k]! - mean) ** 2;
        // The normaliser's floors, so a flat window does not divide by ~0.
        const std = Math.max(Math.sqrt(ss / W), 1e-3 * Math.abs(mean), 1e-6);
        const err = Math.abs(x - mean) / std;
        this.warm[i] = s.calibration.count >= this.minCalibration ? 1 : 0;
        this.errors[i] = err;
        this.scores[i] = calibratedScore(s.calibration, err);
        this.raw[i] = this.scores[i]!;
        this.level[i] = this.warm[i] === 1 ? this.scores[i]! : 0;
        if (this.warm[i] === 1 && this.scores[i]! >= this.threshold) {
          this.anomaly[i] = 1;
          this.started[i] = s.active === 1 ? 0 : 1;
        }
        s.active = this.anomaly[i]!;
        learnError(s.calibration, err);
      }
      s.ring[s.head] = x;
      s.head = (s.head + 1) % W;
      if (s.filled < W) s.filled++;
    }
    return {
      scores: this.scores,
      warm: this.warm,
      errors: this.errors,
      raw: this.raw,
      level: this.level,
      rank: this.scores,
      tail: this.tail,
      anomaly: this.anomaly,
      started: this.started,
    };
  }
}

/**
 * The second baseline: the online normaliser alone, predicting 0 (the series' EW mean) for every
 * window, through the very same Scorer — its score is the calibrated |z|. What the LSTM adds over
 * it is what its learned prediction is worth.
 */
export function meanPredictor(window: number): Predictor {
  return {
    info: { name: 'ew-zscore', version: '0', sha256: '' },
    window,
    predict: async (_input, batch, out) => {
      out.fill(0, 0, batch);
    },
    close: async () => {},
  };
}
