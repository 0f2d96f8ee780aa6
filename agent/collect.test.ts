import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Collector } from '../collectors/collector.ts';
import { gauge, type Sample } from '../core/samples.ts';
import { collectAll, runningCollector } from './collect.ts';

const logger = pino({ level: 'silent' });
const TIMEOUT_MS = 1000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const emitting = (name: string, value: number, malformed = 0): Collector => ({
  collect: vi.fn(async (out: Sample[]) => {
    out.push(gauge(name, {}, value));
    return malformed;
  }),
});

const throwing = (): Collector => ({
  collect: vi.fn(async () => {
    throw new Error('cannot read /proc/nothing');
  }),
});

/** A collector whose first call hangs until released (writing a late sample then); later calls answer at once. */
function hanging(name: string) {
  let release!: () => void;
  let calls = 0;
  const collect = vi.fn((out: Sample[]): Promise<number> => {
    calls++;
    if (calls > 1) {
      out.push(gauge(name, {}, calls));
      return Promise.resolve(0);
    }
    return new Promise<number>((resolve) => {
      release = () => {
        out.push(gauge(`${name}_late`, {}, 1));
        resolve(0);
      };
    });
  });
  return { collector: { collect } satisfies Collector, collect, release: () => release() };
}

async function runTick(p: Promise<Sample[]>): Promise<Sample[]> {
  await vi.advanceTimersByTimeAsync(TIMEOUT_MS);
  return p;
}

describe('collectAll', () => {
  it("keeps a collector's failure to itself: success false for it, the others emitted in order", async () => {
    const rcs = [runningCollector('a', emitting('node_a', 1)), runningCollector('broken', throwing()), runningCollector('c', emitting('node_c', 3))];
    const samples = await collectAll(rcs, TIMEOUT_MS, logger);
    expect(samples.map((s) => [s.name, s.value])).toEqual([
      ['node_a', 1],
      ['node_c', 3],
    ]);
    expect(rcs.map((rc) => rc.outcome.success)).toEqual([true, false, true]);
    expect(rcs.map((rc) => rc.outcome.labels)).toEqual([{ collector: 'a' }, { collector: 'broken' }, { collector: 'c' }]);
  });

  it("adds up each collector's malformed counts across ticks", async () => {
    const rc = runningCollector('m', emitting('node_m', 1, 2));
    await collectAll([rc], TIMEOUT_MS, logger);
    await collectAll([rc], TIMEOUT_MS, logger);
    expect(rc.outcome.parseErrorsTotal).toBe(4);
    expect(rc.outcome.success).toBe(true);
  });

  it('logs a collector that starts skipping lines once, with its code, and again only after a clean collection', async () => {
    const lines: { code?: string; collector?: string; skipped?: number }[] = [];
    const capture = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as never) });
    let malformed = 3;
    const rc = runningCollector('m', { collect: async (out: Sample[]) => (out.push(gauge('node_m', {}, 1)), malformed) });
    await collectAll([rc], TIMEOUT_MS, capture);
    await collectAll([rc], TIMEOUT_MS, capture);
    expect(lines.map((l) => [l.code, l.collector, l.skipped])).toEqual([['VIGIL_ERR_COLLECTOR_PARSE_ERRORS', 'm', 3]]);
    malformed = 0;
    await collectAll([rc], TIMEOUT_MS, capture);
    malformed = 1;
    await collectAll([rc], TIMEOUT_MS, capture);
    expect(lines).toHaveLength(2);
    expect(rc.outcome.parseErrorsTotal).toBe(7);
  });

  it('times out a collector that never resolves, and does not call it again while that call is pending', async () => {
    const h = hanging('node_slow');
    const slow = runningCollector('slow', h.collector);
    const fast = runningCollector('fast', emitting('node_fast', 1));

    const first = await runTick(collectAll([slow, fast], TIMEOUT_MS, logger));
    expect(first.map((s) => s.name)).toEqual(['node_fast']);
    expect(slow.outcome.success).toBe(false);
    expect(slow.outcome.durationSeconds).toBeGreaterThanOrEqual(TIMEOUT_MS / 1000);
    expect(fast.outcome.success).toBe(true);

    const second = await runTick(collectAll([slow, fast], TIMEOUT_MS, logger));
    expect(h.collect).toHaveBeenCalledTimes(1);
    expect(slow.outcome.success).toBe(false);
    expect(second.map((s) => s.name)).toEqual(['node_fast']);

    // The stuck call ends and writes into its own buffer: nothing reaches the ticks already returned.
    h.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(first.map((s) => s.name)).toEqual(['node_fast']);
    expect(second.map((s) => s.name)).toEqual(['node_fast']);

    const third = await collectAll([slow, fast], TIMEOUT_MS, logger);
    expect(h.collect).toHaveBeenCalledTimes(2);
    expect(slow.outcome.success).toBe(true);
    expect(third.map((s) => s.name)).toEqual(['node_slow', 'node_fast']);
  });

  it('lets a collector that finishes just within the timeout succeed', async () => {
    const collector: Collector = {
      collect: (out) =>
        new Promise((resolve) =>
          setTimeout(() => {
            out.push(gauge('node_just_in_time', {}, 1));
            resolve(0);
          }, TIMEOUT_MS - 1),
        ),
    };
    const rc = runningCollector('edge', collector);
    const samples = await runTick(collectAll([rc], TIMEOUT_MS, logger));
    expect(rc.outcome.success).toBe(true);
    expect(samples.map((s) => s.name)).toEqual(['node_just_in_time']);
  });
});
