// Everything the detector remembers about one series: the online normaliser, the last W normalised
// values (a ring), the calibration of its errors and how far it is through warm-up. Plain data, so
// that it persists as JSON and the daemon and `vigil detect` hold exactly the same thing.
import { type CalibrationState, newCalibrationState } from './calibrator.ts';
import { type NormalizerState, newNormalizerState } from './normalizer.ts';
import { newStageState, type StageOptions, type StageState } from './stages.ts';

export interface SeriesState {
  readonly norm: NormalizerState;
  /** Ring of the last `window.length` normalised values; `head` is where the next one goes. */
  readonly window: Float32Array;
  head: number;
  /** Values in the ring (up to window.length). */
  filled: number;
  readonly calibration: CalibrationState;
  /** The stages after the model (likelihood, range, seasonal profile, events). */
  readonly stages: StageState;
}

export const newSeriesState = (window: number, stages: StageOptions): SeriesState => ({
  norm: newNormalizerState(),
  window: new Float32Array(window),
  head: 0,
  filled: 0,
  calibration: newCalibrationState(),
  stages: newStageState(stages),
});

/** Appends a normalised value to the ring. */
export function pushWindow(s: SeriesState, z: number): void {
  s.window[s.head] = z;
  s.head = s.head + 1 === s.window.length ? 0 : s.head + 1;
  if (s.filled < s.window.length) s.filled++;
}

/** Whether the series is past warm-up: a full window and at least `minCalibration` calibrated errors. */
export const isWarm = (s: SeriesState, minCalibration: number): boolean => s.filled === s.window.length && s.calibration.count >= minCalibration;
