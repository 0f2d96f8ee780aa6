import { describe, expect, it } from 'vitest';
import {
  addTally,
  afterWindowCost,
  alarmStarts,
  emptyTally,
  normalisedScore,
  probationOf,
  scoreWindows,
  windowedTally,
  windowReward,
} from './windowed-score.ts';

/** A series of `n` rows with 1s at the given rows. */
const rows = (n: number, ones: readonly number[]): Uint8Array => {
  const a = new Uint8Array(n);
  for (const i of ones) a[i] = 1;
  return a;
};
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const score = (n: number, labelled: readonly number[], detections: readonly number[]): number =>
  normalisedScore(windowedTally(rows(n, detections), rows(n, labelled)));

// Hand-computed: sigmoid(5) = 0.9933071, so 2·sigmoid(5) − 1 = 0.9866143 (the left-edge scale).
describe('windowed early-detection score', () => {
  it('sizes windows as 10% of the length over the number of anomalies, centred on the label', () => {
    expect(scoreWindows(rows(100, [50]))).toEqual([{ left: 45, right: 55 }]);
    // Two anomalies in 200 rows: w = 20 / 2 = 10.
    expect(scoreWindows(rows(200, [100, 150]))).toEqual([
      { left: 95, right: 105 },
      { left: 145, right: 155 },
    ]);
  });

  it('centres a labelled range on its start and makes the window reach its end', () => {
    expect(scoreWindows(rows(100, range(50, 70)))).toEqual([{ left: 45, right: 70 }]);
    // A detection at 60 of [45, 70]: p = (60 − 70) / 25 = −0.4, reward (2·sigmoid(2) − 1) / 0.9866143 = 0.77193.
    expect(score(100, range(50, 70), [60])).toBeCloseTo((100 * (0.77193 + 1)) / 2, 2);
  });

  it('cuts a window where the next one begins', () => {
    // 100 rows, anomalies at 50 and 53: w = 5, windows [47.5, 52.5] and [50.5, 55.5] → the first ends at 50.
    expect(scoreWindows(rows(100, [50, 53]))).toEqual([
      { left: 47.5, right: 50 },
      { left: 50.5, right: 55.5 },
    ]);
  });

  it('rewards the earliest detection by position: 1 at the left edge, 0 at the right edge', () => {
    expect(windowReward(-1)).toBeCloseTo(1, 12);
    expect(windowReward(0)).toBe(0);
    // p = −0.5: (2·sigmoid(2.5) − 1) / 0.9866143 = 0.848284 / 0.9866143 = 0.859793.
    expect(windowReward(-0.5)).toBeCloseTo(0.859793, 5);
    expect(score(100, [50], [45])).toBeCloseTo(100, 10); // left edge: perfect
    expect(score(100, [50], [55])).toBeCloseTo(50, 10); // right edge: 0 earned, nothing missed
    expect(score(100, [50], [50])).toBeCloseTo(92.98965, 3);
  });

  it('counts only the earliest detection in a window', () => {
    expect(score(100, [50], [45, 47, 52])).toBeCloseTo(100, 10);
    const t = windowedTally(rows(100, [45, 47, 52]), rows(100, [50]));
    expect(t.detected).toBe(1);
    expect(t.falseDetections).toBe(0);
  });

  it('charges 0.11 for a detection outside windows, less shortly after a window', () => {
    // Before the window: 1 − 0.11 = 0.89 → (0.89 + 1) / 2 = 94.5.
    expect(score(100, [50], [20, 45])).toBeCloseTo(94.5, 10);
    // One window width after it (p = 1): 0.11·(1 − 2·sigmoid(−5)) = 0.11·0.9866143 = 0.1085276, and the window is missed.
    expect(afterWindowCost(1)).toBeCloseTo(0.1085276, 6);
    expect(score(100, [50], [65])).toBeCloseTo((100 * (-1 - 0.1085276 + 1)) / 2, 4);
    // Just after it (p = 0.1): 0.11·(1 − 2·sigmoid(−0.5)) = 0.11·0.2449187 = 0.0269411.
    expect(afterWindowCost(0.1)).toBeCloseTo(0.0269411, 6);
    expect(score(100, [50], [45, 56])).toBeCloseTo((100 * (1 - 0.0269411 + 1)) / 2, 4);
  });

  it('charges 1 for a window without a detection; flagging nothing scores 0', () => {
    expect(score(100, [50], [])).toBe(0);
    expect(score(200, [100, 150], [95])).toBeCloseTo(50, 10); // one found at its left edge (+1), one missed (−1)
  });

  it('does not score the first 15% of a series (at most 750 rows)', () => {
    expect(probationOf(100)).toBe(15);
    expect(probationOf(10_000)).toBe(750);
    // A detection in the probation is ignored; an anomaly starting there has no window.
    expect(score(100, [50], [10, 45])).toBeCloseTo(100, 10);
    expect(windowedTally(rows(100, [10]), rows(100, [10])).windows).toBe(0);
    expect(Number.isNaN(score(100, [10], [10]))).toBe(true);
  });

  it('sums tallies before normalising', () => {
    const a = windowedTally(rows(100, [45]), rows(100, [50])); // raw +1
    const b = windowedTally(rows(100, []), rows(100, [50])); // raw −1
    const t = emptyTally();
    addTally(t, a);
    addTally(t, b);
    expect(normalisedScore(t)).toBeCloseTo(50, 10);
  });

  it('takes a run of flagged rows as one detection (the alarm start)', () => {
    expect([...alarmStarts(Uint8Array.from([0, 1, 1, 0, 0, 1, 1]))]).toEqual([0, 1, 0, 0, 0, 1, 0]);
  });
});
