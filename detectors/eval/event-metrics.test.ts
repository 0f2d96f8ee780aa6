import { describe, expect, it } from 'vitest';
import { countEvents, figuresOf, windowsOf } from './event-metrics.ts';
import { rowLabels, timeValue } from './labels-file.ts';

const u8 = (s: string): Uint8Array => Uint8Array.from(s.replace(/ /g, ''), (c) => (c === '1' ? 1 : 0));

describe('event-level figures', () => {
  it('finds a window with one flag inside; counts a run of false flags as one false event', () => {
    //                 windows:   [2..4]          [10..12]
    const labels = u8('0011100000 1110000000');
    const flags = u8(' 0000100110 0000011101');
    expect(windowsOf(labels)).toEqual([
      { start: 2, end: 4 },
      { start: 10, end: 12 },
    ]);
    const c = countEvents(flags, labels);
    expect(c.windows).toBe(2);
    expect(c.found).toBe(1);
    // False runs: rows 7–8, rows 15–17, row 19.
    expect(c.falseEvents).toBe(3);
    expect(c.delaySum).toBe(2);
    const f = figuresOf(c);
    expect(f.precision).toBeCloseTo(1 / 4, 9);
    expect(f.recall).toBeCloseTo(1 / 2, 9);
    expect(f.f1).toBeCloseTo((2 * 0.25 * 0.5) / 0.75, 9);
    expect(f.meanTimeToDetect).toBe(2);
    // Point-adjusted: the found window's 3 points are all "detected"; 6 false points.
    expect(c.paTruePoints).toBe(3);
    expect(c.paFalsePoints).toBe(6);
    expect(f.paF1).toBeCloseTo((2 * (3 / 9) * (3 / 6)) / (3 / 9 + 3 / 6), 9);
  });

  it('no flags at all: precision, recall and F1 are 0, time to detect undefined', () => {
    const f = figuresOf(countEvents(u8('0000'), u8('0110')));
    expect(f).toMatchObject({ precision: 0, recall: 0, f1: 0 });
    expect(Number.isNaN(f.meanTimeToDetect)).toBe(true);
  });

  it('labels by timestamp: dates without a zone are UTC, numbers are compared as numbers', () => {
    expect(timeValue('2018-07-03 14:00:00')).toBe(Date.UTC(2018, 6, 3, 14));
    expect(timeValue('"2018-03-15T00:00:00Z"'.replace(/"/g, ''))).toBe(Date.UTC(2018, 2, 15));
    expect(Array.from(rowLabels(['1', '2', '3', '4', '5'], [{ start: 2, end: 3 }]))).toEqual([0, 1, 1, 0, 0]);
  });
});
