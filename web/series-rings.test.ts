import { describe, expect, it } from 'vitest';
import type { AnomalyScore } from '../core/tick-output.ts';
import { SeriesRings, seriesKey } from './series-rings.ts';

const a = (metric: string, value: number, score: number, anomalous = false, labels: Record<string, string> = {}): AnomalyScore => ({
  metric,
  labels,
  value,
  score,
  anomalous,
});

describe('seriesKey', () => {
  it('is the metric with its labels sorted, quoted like PromQL', () => {
    expect(seriesKey('node_load1', {})).toBe('node_load1');
    expect(seriesKey('x', { mountpoint: '/', device: 'sda"1' })).toBe('x{device="sda\\"1",mountpoint="/"}');
  });
});

describe('SeriesRings', () => {
  it('keeps the last `capacity` ticks of each series, oldest first', () => {
    const r = new SeriesRings(3, 10);
    for (let i = 0; i < 5; i++) r.record(1000 * i, [a('m', i, i / 10)]);
    expect(r.points('m', 0, 100)).toEqual({ t: [2000, 3000, 4000], value: [2, 3, 4], score: [0.2, 0.3, 0.4], anomalous: [0, 0, 0] });
    expect(r.points('m', 2500, 100)!.t).toEqual([3000, 4000]);
    expect(r.points('nope', 0, 100)).toBeUndefined();
  });

  it('a series absent in a tick has a gap there, and is forgotten after a whole ring without data', () => {
    const r = new SeriesRings(3, 10);
    r.record(0, [a('m', 1, 0.1), a('n', 5, 0.5)]);
    r.record(1, [a('n', 5, 0.5)]);
    expect(r.points('m', 0, 10)!.value).toEqual([1, null]);
    r.record(2, [a('n', 5, 0.5)]);
    expect(r.has('m')).toBe(true);
    r.record(3, [a('n', 5, 0.5)]);
    expect(r.has('m')).toBe(false);
    expect(r.size).toBe(1);
  });

  it('keeps at most maxSeries and counts the rest as dropped', () => {
    const r = new SeriesRings(4, 2);
    r.record(0, [a('a', 1, 0), a('b', 1, 0), a('c', 1, 0)]);
    r.record(1, [a('a', 1, 0), a('b', 1, 0), a('c', 1, 0)]);
    expect(r.size).toBe(2);
    expect(r.dropped).toBe(2);
    expect(r.arrayBytes()).toBe(4 * 8 + 2 * 4 * 9);
  });

  it('ranks current series by score, remembers when a series became anomalous', () => {
    const r = new SeriesRings(10, 10);
    r.record(0, [a('low', 1, 0.1), a('high', 1, 0.5), a('gone', 1, 0.99)]);
    r.record(10, [a('low', 1, 0.1), a('high', 9, 0.999, true)]);
    r.record(20, [a('low', 1, 0.1), a('high', 9, 0.999, true)]);
    const ranked = r.ranked();
    expect(ranked.map((s) => s.key)).toEqual(['high', 'low', 'gone']);
    expect(ranked[0]).toMatchObject({ anomalous: true, anomalousSince: 10, current: true, value: 9 });
    expect(ranked[2]).toMatchObject({ current: false, anomalous: false });
    r.record(30, [a('high', 1, 0.2)]);
    expect(r.ranked().find((s) => s.key === 'high')!.anomalousSince).toBeUndefined();
  });

  it('downsamples to at most maxPoints buckets: last value, highest score, anomalous if any', () => {
    const r = new SeriesRings(100, 1);
    for (let i = 0; i < 10; i++) r.record(i, [a('m', i, i === 3 ? 0.9 : 0.1, i === 3)]);
    expect(r.points('m', 0, 5)).toEqual({ t: [1, 3, 5, 7, 9], value: [1, 3, 5, 7, 9], score: [0.1, 0.9, 0.1, 0.1, 0.1], anomalous: [0, 1, 0, 0, 0] });
  });

  it('refuses a capacity below 2', () => {
    expect(() => new SeriesRings(1, 1)).toThrow(RangeError);
  });
});
