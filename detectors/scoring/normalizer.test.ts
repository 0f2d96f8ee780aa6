import { describe, expect, it } from 'vitest';
import { NORMALIZED_CLIP, newNormalizerState, normalize, scaleOf, update } from './normalizer.ts';

describe('online normaliser', () => {
  it('is causal: a point is normalised with the statistics before it', () => {
    const s = newNormalizerState();
    for (let i = 0; i < 100; i++) update(s, i % 2 === 0 ? 9 : 11);
    expect(s.mean).toBeCloseTo(10, 0);
    const before = { ...s };
    const z = normalize(s, 20);
    expect(z).toBeGreaterThan(5);
    expect(s).toEqual(before);
  });

  it('ignores NaN and Inf so a gap does not poison the state', () => {
    const s = newNormalizerState();
    for (let i = 0; i < 50; i++) update(s, 5 + (i % 3));
    const before = { ...s };
    update(s, Number.NaN);
    update(s, Number.POSITIVE_INFINITY);
    expect(s).toEqual(before);
  });

  it('keeps a floor on the scale of a flat series and clips extreme values', () => {
    const s = newNormalizerState();
    for (let i = 0; i < 1000; i++) update(s, 42);
    expect(scaleOf(s)).toBeGreaterThan(0);
    expect(normalize(s, 1e9)).toBe(NORMALIZED_CLIP);
    expect(normalize(s, -1e9)).toBe(-NORMALIZED_CLIP);
  });

  it('absorbs a level shift after a few half-lives', () => {
    const s = newNormalizerState();
    for (let i = 0; i < 2000; i++) update(s, 10 + Math.sin(i));
    expect(Math.abs(normalize(s, 50))).toBe(NORMALIZED_CLIP);
    for (let i = 0; i < 5000; i++) update(s, 50 + Math.sin(i));
    expect(Math.abs(normalize(s, 50))).toBeLessThan(1);
  });
});
