import { describe, expect, it } from 'vitest';
import { calibratedScore, learnError, newCalibrationState, tailProbability } from './calibrator.ts';

/** Deterministic exponential errors with mean 1 (a small LCG). */
function exponential(seed: number): () => number {
  let s = seed >>> 0;
  return () => -Math.log(((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297);
}

describe('the tail probability of an error (peaks over threshold)', () => {
  const c = newCalibrationState();
  const e = exponential(7);
  for (let i = 0; i < 5000; i++) learnError(c, e());

  it('is 1 − rank below the 90 % quantile', () => {
    for (const err of [0.1, 0.5, 1, 2]) expect(tailProbability(c, err, 0.9)).toBeCloseTo(1 - calibratedScore(c, err), 9);
  });

  it('extrapolates an exponential tail far beyond what the history resolves', () => {
    // Exponential errors with mean 1: P(error > e) = exp(−e).
    for (const err of [4, 7, 11]) {
      const p = tailProbability(c, err, 0.9);
      // Within a factor of 3: the histogram's bins are 1/16 decade wide, the mean excess is taken at bin centres.
      expect(p).toBeGreaterThan(Math.exp(-err) / 3);
      expect(p).toBeLessThan(Math.exp(-err) * 3);
    }
    // The empirical rank cannot tell these apart: all are "larger than everything seen".
    expect(calibratedScore(c, 11)).toBeGreaterThan(0.999);
    expect(calibratedScore(c, 7)).toBeGreaterThan(0.999);
  });

  it('is 1 − rank until 30 errors were learned', () => {
    const young = newCalibrationState();
    for (let i = 0; i < 10; i++) learnError(young, 1);
    expect(tailProbability(young, 5, 0.9)).toBe(1 - calibratedScore(young, 5));
  });
});
