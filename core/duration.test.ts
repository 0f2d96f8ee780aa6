import { describe, expect, it } from 'vitest';
import { duration, durationMs, parseDuration } from './duration.ts';

describe('parseDuration', () => {
  it('reads Prometheus durations as milliseconds', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('1y')).toBe(31_536_000_000);
    expect(parseDuration('1h2m3s4ms')).toBe(3_723_004);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('0s')).toBe(0);
  });

  it('rejects what is not a duration', () => {
    for (const bad of ['', '10x', '10', '1.5s', '-1s', 's', 'ms', '1s1m', '10 s', ' 10s', '1m30', 'ten seconds']) {
      expect(parseDuration(bad), bad).toBeUndefined();
    }
  });
});

describe('duration schema', () => {
  it('keeps the text as written and enforces a minimum', () => {
    const schema = duration({ min: 100 });
    expect(schema.parse('1m30s')).toBe('1m30s');
    expect(schema.safeParse('50ms').success).toBe(false);
    expect(schema.safeParse('100ms').success).toBe(true);
    expect(schema.safeParse('10x').success).toBe(false);
    expect(duration().safeParse('0').success).toBe(true);
  });
});

describe('durationMs', () => {
  it('converts validated text and throws on unvalidated text (a programmer error)', () => {
    expect(durationMs('2s')).toBe(2000);
    expect(() => durationMs('10x')).toThrow();
  });
});
