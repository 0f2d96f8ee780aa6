import { describe, expect, it } from 'vitest';
import { detectionsOf, eventStarts, hostAlarm } from './host-alarm.ts';
import { timeOf } from './time-of.ts';

const levels = (n: number, at: Record<number, number>): Float32Array => {
  const a = new Float32Array(n);
  for (const [i, v] of Object.entries(at)) a[Number(i)] = v;
  return a;
};

describe('host alarm (how vigil eval counts detections)', () => {
  it('a series starts one event per refractory period', () => {
    const s = eventStarts(levels(100, { 10: 0.9, 11: 0.9, 20: 0.9, 60: 0.9 }), { threshold: 0.6, refractory: 30 });
    expect([...s.keys()].filter((i) => s[i] === 1)).toEqual([10, 60]);
  });

  it('the previous pipeline flags every row at or above the threshold; a run is one detection', () => {
    const d = detectionsOf([levels(50, { 10: 0.9, 11: 0.9, 30: 0.9 })], { threshold: 0.6, refractory: 0 });
    expect([...d.keys()].filter((i) => d[i] === 1)).toEqual([10, 30]);
  });

  it('a machine alarms when enough of its series start events within the window; fewer do not', () => {
    const four = [5, 8, 12, 20].map((i) => levels(100, { [i]: 0.9 }));
    const o = { threshold: 0.6, refractory: 30, agreement: 4, window: 30 };
    const d = detectionsOf(four, o);
    expect([...d.keys()].filter((i) => d[i] === 1)).toEqual([20]);
    // Too far apart: the first has left the window when the fourth starts.
    const apart = [5, 8, 12, 40].map((i) => levels(100, { [i]: 0.9 }));
    expect(detectionsOf(apart, o).every((x) => x === 0)).toBe(true);
    // A file with fewer series than the agreement needs all of them.
    const two = [5, 9].map((i) => levels(100, { [i]: 0.9 }));
    expect(hostAlarm(two, o)[9]).toBe(1);
  });

  it('a host alarm keeps firing for `keep` rows after its agreement last held: a flapping agreement is one detection', () => {
    // Four series agree at 20 (until 34, when the first leaves the window), four again from 50.
    const s = [5, 8, 12, 20].map((i) => levels(200, { [i]: 0.9, [i + 45]: 0.9 }));
    const o = { threshold: 0.6, refractory: 30, agreement: 4, window: 30 };
    const starts = (d: Uint8Array): number[] => [...d.keys()].filter((i) => d[i] === 1);
    expect(starts(detectionsOf(s, { ...o, keep: 0 }))).toEqual([20, 65]);
    expect(starts(detectionsOf(s, { ...o, keep: 30 }))).toEqual([20]);
    const a = hostAlarm(s, { ...o, keep: 30 });
    // The second agreement lasts until 79 (the series starting at 50 leaves the window), kept 30 more.
    expect(a[109]).toBe(1);
    expect(a[110]).toBe(0);
  });
});

describe('timeOf', () => {
  it('reads dates (UTC without a zone), epoch seconds and milliseconds; row numbers give NaN', () => {
    expect(timeOf('2026-01-01 00:00:10')).toBe(Date.UTC(2026, 0, 1) / 1000 + 10);
    expect(timeOf('"2018-03-15T00:00:00Z"'.slice(1, -1))).toBe(Date.UTC(2018, 2, 15) / 1000);
    expect(timeOf('1700000000')).toBe(1_700_000_000);
    expect(timeOf('1700000000000')).toBe(1_700_000_000);
    expect(timeOf('42')).toBeNaN();
    expect(timeOf('')).toBeNaN();
  });
});
