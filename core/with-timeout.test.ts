import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withTimeout } from './with-timeout.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('withTimeout', () => {
  it('gives the value of a promise that settles in time, and clears its timer', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toEqual({ done: true, value: 7 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('says not done when time runs out first', async () => {
    const never = new Promise<number>(() => {});
    const result = withTimeout(never, 1000);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result).resolves.toEqual({ done: false });
  });

  it('passes a rejection through', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000)).rejects.toThrow('boom');
    expect(vi.getTimerCount()).toBe(0);
  });
});
