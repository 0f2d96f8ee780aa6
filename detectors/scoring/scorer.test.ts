import { describe, expect, it } from 'vitest';
import { calibratedScore, learnError, newCalibrationState } from './calibrator.ts';
import { Scorer } from './scorer.ts';
import type { SeriesState } from './series-state.ts';
import { lastValuePredictor } from './testing/last-value-predictor.ts';

/** Deterministic standard normal noise (Box–Muller on a small LCG). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

async function scoreAll(values: number[], window = 8, minCalibration = 50): Promise<{ scores: number[]; warm: number[] }> {
  const scorer = new Scorer(lastValuePredictor(window), minCalibration, null);
  const st = [scorer.newState()];
  const v = new Float64Array(1);
  const scores: number[] = [];
  const warm: number[] = [];
  for (const x of values) {
    v[0] = x;
    const r = await scorer.step(st, v);
    scores.push(r.scores[0]!);
    warm.push(r.warm[0]!);
  }
  return { scores, warm };
}

describe('calibration', () => {
  it('is an empirical CDF of past errors', () => {
    const c = newCalibrationState();
    for (let i = 1; i <= 1000; i++) learnError(c, i / 1000);
    expect(calibratedScore(c, 0.5)).toBeGreaterThan(0.45);
    expect(calibratedScore(c, 0.5)).toBeLessThan(0.55);
    expect(calibratedScore(c, 5)).toBe(1);
    expect(calibratedScore(c, 0)).toBe(0);
  });

  it('forgets: a new regime of larger errors becomes normal after a few half-lives', () => {
    const c = newCalibrationState();
    for (let i = 0; i < 5000; i++) learnError(c, 0.01);
    expect(calibratedScore(c, 1)).toBe(1);
    for (let i = 0; i < 20000; i++) learnError(c, 1 + (i % 10) / 10);
    expect(calibratedScore(c, 1.5)).toBeLessThan(0.7);
  });
});

describe('Scorer (the calibrated rank: the previous pipeline, stages: null)', () => {
  it('means the same on series of any scale: about 1% of normal points score ≥ 0.99', async () => {
    for (const scale of [1e-3, 1, 1e6]) {
      const n = noise(7);
      const values = Array.from({ length: 6000 }, () => 100 * scale + scale * n());
      const { scores, warm } = await scoreAll(values);
      const warmScores = scores.filter((_, i) => warm[i] === 1);
      const share = warmScores.filter((s) => s >= 0.99).length / warmScores.length;
      expect(share).toBeGreaterThan(0.003);
      expect(share).toBeLessThan(0.025);
    }
  });

  it('scores a spike near 1 and keeps every score in [0,1]', async () => {
    const n = noise(3);
    const values = Array.from({ length: 1000 }, (_, i) => (i === 800 ? 60 : 10 + n()));
    const { scores } = await scoreAll(values);
    expect(scores[800]).toBeGreaterThan(0.999);
    for (const s of scores) if (!Number.isNaN(s)) expect(s >= 0 && s <= 1).toBe(true);
  });

  it('is causal: the score of a point does not depend on what comes after it', async () => {
    const n = noise(11);
    const base = Array.from({ length: 600 }, () => 5 + n());
    const a = await scoreAll(base);
    const b = await scoreAll([...base.slice(0, 400), ...base.slice(400).map((x) => x * 50)]);
    expect(b.scores.slice(0, 400)).toEqual(a.scores.slice(0, 400));
    expect(b.scores.slice(400)).not.toEqual(a.scores.slice(400));
  });

  it('has a warm-up: no point is warm before a full window and the minimum of calibrated errors', async () => {
    const n = noise(5);
    const { scores, warm } = await scoreAll(
      Array.from({ length: 200 }, () => n()),
      8,
      50,
    );
    expect(scores.slice(0, 8).every(Number.isNaN)).toBe(true);
    expect(warm.indexOf(1)).toBe(8 + 50);
  });

  it('NaN, Inf and gaps leave the state untouched and get no score', async () => {
    const scorer = new Scorer(lastValuePredictor(4), 10);
    const [s] = [scorer.newState()] as [SeriesState];
    const n = noise(9);
    for (let i = 0; i < 100; i++) await scorer.step([s], [n()]);
    const before = structuredClone(s);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const r = await scorer.step([s], [bad]);
      expect(Number.isNaN(r.scores[0]!)).toBe(true);
      expect(r.warm[0]).toBe(0);
    }
    expect(s).toEqual(before);
  });

  it('scores every series of a step in one predict call, skipping those without a full window or a finite value', async () => {
    const p = lastValuePredictor(4);
    const scorer = new Scorer(p, 0);
    const states = [scorer.newState(), scorer.newState(), scorer.newState()];
    for (let i = 0; i < 4; i++) await scorer.step(states.slice(0, 2), [i, 2 * i]);
    expect(p.calls).toBe(0);
    const r = await scorer.step(states, [4, Number.NaN, 1]);
    expect(p.calls).toBe(1);
    expect(p.batches).toEqual([1]);
    expect(Number.isNaN(r.scores[0]!)).toBe(false);
    expect(Number.isNaN(r.scores[1]!)).toBe(true);
    expect(Number.isNaN(r.scores[2]!)).toBe(true);
    await scorer.step(states, [5, 10, 2]);
    expect(p.batches).toEqual([1, 2]);
  });
});
