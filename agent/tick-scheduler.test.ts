import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TickScheduler } from './tick-scheduler.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A tick whose every call stays running until the test ends it. */
function controllableTick() {
  const ends: Array<() => void> = [];
  const tick = vi.fn(() => new Promise<void>((resolve) => ends.push(resolve)));
  return { tick, endCall: (i: number) => ends[i]!() };
}

describe('TickScheduler', () => {
  it('runs the first tick at once, then one per interval', async () => {
    const tick = vi.fn(() => Promise.resolve());
    const s = new TickScheduler(1000, tick);
    s.start();
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(3000);
    expect(tick).toHaveBeenCalledTimes(5);
    expect(s.overruns).toBe(0);
    await s.stop(100);
  });

  it('counts a tick due while the previous one runs as an overrun and skips it, without queueing', async () => {
    const { tick, endCall } = controllableTick();
    const onOverrun = vi.fn();
    const s = new TickScheduler(1000, tick, onOverrun);
    s.start();
    await vi.advanceTimersByTimeAsync(2500); // due at 1000 and 2000: both overrun
    expect(tick).toHaveBeenCalledTimes(1);
    expect(s.overruns).toBe(2);
    expect(onOverrun).toHaveBeenCalledTimes(2);

    endCall(0);
    await vi.advanceTimersByTimeAsync(0);
    // The skipped ticks are not made up for once the slow one ends.
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(500); // the next due time, 3000
    expect(tick).toHaveBeenCalledTimes(2);
    expect(s.overruns).toBe(2);
    endCall(1);
    await s.stop(100);
  });

  it('stops scheduling, and waits at most graceMs for a tick in flight', async () => {
    const { tick } = controllableTick();
    const s = new TickScheduler(1000, tick);
    s.start();
    let stopped = false;
    const stopping = s.stop(300).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(5000);
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('returns from stop as soon as the tick in flight ends', async () => {
    const { tick, endCall } = controllableTick();
    const s = new TickScheduler(1000, tick);
    s.start();
    let stopped = false;
    const stopping = s.stop(10_000).then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(10);
    expect(stopped).toBe(false);
    endCall(0);
    await vi.advanceTimersByTimeAsync(0);
    await stopping;
    expect(stopped).toBe(true);
  });
});
