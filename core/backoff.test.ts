import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.ts';

describe('Backoff', () => {
  it('doubles the wait after each failure in a row, up to the cap', () => {
    const b = new Backoff(500, 4000);
    expect(b.ready(0)).toBe(true);
    expect(b.failed(0)).toBe(500);
    expect(b.ready(499)).toBe(false);
    expect(b.ready(500)).toBe(true);
    expect(b.failed(500)).toBe(1500);
    expect(b.failed(1500)).toBe(3500);
    expect(b.failed(3500)).toBe(7500);
    expect(b.failed(7500)).toBe(11_500); // capped at 4000
    expect(b.consecutiveFailures).toBe(5);
    expect(b.currentDelayMs).toBe(4000);
  });

  it('allows an attempt at once after a success', () => {
    const b = new Backoff(500, 4000);
    b.failed(0);
    b.failed(500);
    b.succeeded();
    expect(b.ready(501)).toBe(true);
    expect(b.consecutiveFailures).toBe(0);
    expect(b.failed(1000)).toBe(1500);
  });

  it('does not overflow after very many failures', () => {
    const b = new Backoff(500, 30_000);
    for (let i = 0; i < 2000; i++) b.failed(0);
    expect(b.currentDelayMs).toBe(30_000);
  });
});
