// The stages after the model on synthetic series built here (issue 12, deliverable 6), through the
// one Scorer path the daemon, `vigil detect` and `vigil eval` share, at a 10 s tick.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gaussianTail } from './gaussian.ts';
import { Scorer } from './scorer.ts';
import type { SeriesState } from './series-state.ts';
import { DEFAULT_STAGE_OPTIONS, eventPoint, logScore, newStageState, SEASONAL_BINS, stagePoint, type StageOptions, type StageOutput } from './stages.ts';
import { loadState, saveState } from './state-file.ts';
import { lastValuePredictor } from './testing/last-value-predictor.ts';

const TICK = 10;
const DAY = 8640; // ticks
const W = 32; // the shipped model's window
const T0 = Date.UTC(2026, 10, 1) / 1000; // midnight UTC

/** Deterministic standard normal noise (Box–Muller on a small LCG). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

interface Run {
  readonly started: number[];
  readonly anomaly: Uint8Array;
  readonly exported: Float64Array;
  readonly warm: Uint8Array;
}

async function run(
  values: ArrayLike<number>,
  o: Partial<StageOptions> = {},
  times?: ArrayLike<number>,
  scorer = new Scorer(lastValuePredictor(W), 100, { ...DEFAULT_STAGE_OPTIONS, ...o }),
  state: SeriesState = scorer.newState(),
): Promise<Run> {
  const n = values.length;
  const out: Run = { started: [], anomaly: new Uint8Array(n), exported: new Float64Array(n), warm: new Uint8Array(n) };
  const v = new Float64Array(1);
  const t = new Float64Array(1);
  for (let i = 0; i < n; i++) {
    v[0] = values[i]!;
    t[0] = times === undefined ? T0 + i * TICK : times[i]!;
    const r = await scorer.step([state], v, 1, t);
    if (r.started[0] === 1) out.started.push(i);
    out.anomaly[i] = r.anomaly[0]!;
    out.exported[i] = r.scores[0]!;
    out.warm[i] = r.warm[0]!;
  }
  return out;
}

describe('the likelihood score', () => {
  it('is log-scaled: a tail of 1e-5 scores 0.5, 1e-10 or less scores 1', () => {
    expect(logScore(1e-5)).toBeCloseTo(0.5, 3);
    expect(logScore(1e-12)).toBeCloseTo(1, 3);
    expect(logScore(1e-30)).toBeCloseTo(1, 9);
    expect(logScore(1)).toBe(0);
    expect(gaussianTail(4.265)).toBeCloseTo(1e-5, 7);
    expect(gaussianTail(0)).toBeCloseTo(0.5, 6);
  });
});

describe('stages after the model, on synthetic series at a 10 s tick', () => {
  it('flags a daily cron spike on day 1 and not from day 3 on (seasonal context on)', async () => {
    const n = noise(21);
    const days = 5;
    const spikeAt = (d: number): number => d * DAY + 3 * 360; // 03:00 every day
    const values = Array.from({ length: days * DAY }, (_, i) => {
      const inDay = i % DAY;
      return inDay >= 3 * 360 && inDay < 3 * 360 + 3 ? 80 : 20 + n();
    });
    const r = await run(values, { seasonalBins: SEASONAL_BINS });
    const near = (d: number): number[] => r.started.filter((i) => i >= spikeAt(d) - 6 && i < spikeAt(d) + 60);
    expect(near(0).length).toBe(1);
    for (let d = 2; d < days; d++) expect(near(d)).toEqual([]);
  });

  it('raises one event for a level shift, not one per tick', async () => {
    const n = noise(5);
    const values = Array.from({ length: 6000 }, (_, i) => (i < 2000 ? 20 : 40) + n());
    const r = await run(values);
    const after = r.started.filter((i) => i >= 2000);
    expect(after.length).toBe(1);
    expect(after[0]! - 2000).toBeLessThan(10);
    // The one event lasts while the score holds (the refractory period restarts meanwhile), and the
    // shift becomes the new normal within 15 minutes: vigil_anomaly is not stuck at 1.
    expect(r.anomaly.slice(2000).reduce((a, b) => a + b, 0)).toBeLessThan(90);
    expect(r.anomaly.slice(3000).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('catches a slow leak (a disk filling) before the value is 20% past its old maximum', async () => {
    const n = noise(8);
    // A day at 50% ± 0.05%, then +6 points per hour.
    const values = Array.from({ length: 2 * DAY }, (_, i) => 0.5 + 0.0005 * n() + (i < DAY ? 0 : ((i - DAY) / 360) * 0.06));
    const oldMax = Math.max(...values.slice(0, DAY));
    const r = await run(values);
    const first = r.started.find((i) => i >= DAY);
    expect(first).toBeDefined();
    expect(values[first!]!).toBeLessThan(1.2 * oldMax);
  });

  it('never alarms on a flat series with rare ±1 jitter', async () => {
    const n = noise(13);
    let s = 7;
    const rand = (): number => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
    const values = Array.from({ length: 3 * DAY }, () => (rand() < 0.005 ? 100 + Math.sign(n()) : 100));
    const r = await run(values, { seasonalBins: SEASONAL_BINS });
    expect(r.started).toEqual([]);
    const r2 = await run(values);
    expect(r2.started).toEqual([]);
  });

  it('keeps a refractory period across a restart (state persisted)', async () => {
    const n = noise(3);
    const values = Array.from({ length: 1200 }, (_, i) => (i === 1000 || i === 1020 ? 90 : 20 + n()));
    // Without a restart: the spike at 1000 starts an event, the one at 1020 (within the 30-tick refractory period) does not.
    const straight = await run(values);
    expect(straight.started.filter((i) => i >= 1000)).toEqual([1000]);
    // With a restart at 1010: save, load into a new scorer, go on.
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-stages-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.json');
    const scorer = new Scorer(lastValuePredictor(W), 100, DEFAULT_STAGE_OPTIONS);
    const state = scorer.newState();
    const a = await run(
      values.slice(0, 1010),
      {},
      Array.from({ length: 1010 }, (_, i) => T0 + i * TICK),
      scorer,
      state,
    );
    expect(a.started.filter((i) => i >= 1000)).toEqual([1000]);
    await saveState(file, W, [{ key: 'k', metric: 'm', labels: {}, lastSeen: 0, state, history: new Float32Array(0) }], 0);
    const loaded = await loadState(file, W, DEFAULT_STAGE_OPTIONS);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.migrated).toBe(false);
    const restored = loaded.series[0]!.state;
    expect(restored.stages.refractoryLeft).toBeGreaterThan(0);
    const scorer2 = new Scorer(lastValuePredictor(W), 100, DEFAULT_STAGE_OPTIONS);
    const b = await run(
      values.slice(1010),
      {},
      Array.from({ length: 190 }, (_, i) => T0 + (1010 + i) * TICK),
      scorer2,
      restored,
    );
    expect(b.started).toEqual([]);
    // The second spike's exported score is held below the threshold.
    expect(b.exported[1020 - 1010]!).toBeLessThan(DEFAULT_STAGE_OPTIONS.threshold);
    // A fresh state (no persisted refractory period) would have started an event at that spike.
    const fresh = { ...restored, stages: { ...restored.stages, refractoryLeft: 0, active: 0 } };
    const c = await run(
      values.slice(1010),
      {},
      Array.from({ length: 190 }, (_, i) => T0 + (1010 + i) * TICK),
      new Scorer(lastValuePredictor(W), 100, DEFAULT_STAGE_OPTIONS),
      fresh as SeriesState,
    );
    expect(c.started).toEqual([10]);
  });

  it('can alarm after at most 180 ticks (30 min at 10 s): window + warm-up', async () => {
    const n = noise(1);
    const r = await run(Array.from({ length: 400 }, () => n()));
    expect(r.warm.indexOf(1)).toBe(W + 100);
    expect(r.warm.indexOf(1)).toBeLessThanOrEqual(180);
  });
});

describe('the level check (a change the one-step error cannot see)', () => {
  /** The stages alone, fed an ordinary rank (a model that follows the level: its error stays usual). */
  function stagesOnly(values: readonly number[], o: Partial<StageOptions> = {}): number[] {
    const opts = { ...DEFAULT_STAGE_OPTIONS, ...o };
    const s = newStageState(opts);
    const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
    const u = noise(41);
    const starts: number[] = [];
    for (const [i, x] of values.entries()) {
      const rank = 0.5 + 0.1 * Math.tanh(u()); // never rare
      stagePoint(s, opts, x, rank, Number.NaN, T0 + i * TICK, i >= 132, out);
      if (out.started === 1) starts.push(i);
    }
    return starts;
  }

  it('raises one event for a small level shift within the range on a noisy series; the error alone misses it', () => {
    const n = noise(43);
    // σ 2 around 50, two spikes in the warm-up widen the range to ±16; at 1500 the level rises by 4σ (8), within that range.
    const values = Array.from({ length: 3000 }, (_, i) => 50 + 2 * n() + (i === 50 ? 16 : i === 90 ? -16 : 0) + (i >= 1500 ? 8 : 0));
    const starts = stagesOnly(values);
    expect(starts.filter((i) => i < 1500)).toEqual([]);
    expect(starts.filter((i) => i >= 1500)).toHaveLength(1);
    expect(starts[0]!).toBeLessThan(1510);
    expect(stagesOnly(values, { driftSigmas: 0 })).toEqual([]);
  });

  it('never alarms on an ordinary slow trend or on plain noise', () => {
    const n = noise(47);
    const trend = Array.from({ length: 6000 }, (_, i) => 50 + 2 * n() + i * 0.002);
    expect(stagesOnly(trend)).toEqual([]);
    const m = noise(53);
    expect(stagesOnly(Array.from({ length: 6000 }, () => 50 + 2 * m()))).toEqual([]);
  });
});

describe('bad input never starts an event nor poisons the state', () => {
  it('NaN, ±Inf and gaps: no event, state untouched', async () => {
    const n = noise(17);
    const scorer = new Scorer(lastValuePredictor(W), 100, { ...DEFAULT_STAGE_OPTIONS, seasonalBins: SEASONAL_BINS });
    const s = scorer.newState();
    await run(
      Array.from({ length: 500 }, () => 10 + n()),
      {},
      undefined,
      scorer,
      s,
    );
    const before = structuredClone(s);
    const r = await run(
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN],
      {},
      Array.from({ length: 4 }, (_, i) => T0 + (500 + i) * TICK),
      scorer,
      s,
    );
    expect(r.started).toEqual([]);
    expect([...r.anomaly]).toEqual([0, 0, 0, 0]);
    expect(s).toEqual(before);
  });

  it('a constant series never alarms', async () => {
    const r = await run(new Float64Array(3000).fill(42));
    expect(r.started).toEqual([]);
    const z = await run(new Float64Array(3000));
    expect(z.started).toEqual([]);
  });

  it('a clock jump backwards is ignored by the seasonal context and starts no event', async () => {
    const n = noise(29);
    const len = 3000;
    const times = Array.from({ length: len }, (_, i) => T0 + (i < 2000 ? i : i - 3600) * TICK);
    const values = Array.from({ length: len }, () => 10 + n());
    const r = await run(values, { seasonalBins: SEASONAL_BINS }, times);
    const plain = await run(values, { seasonalBins: SEASONAL_BINS });
    expect(r.started).toEqual(plain.started);
    expect(r.started.filter((i) => i >= 2000)).toEqual([]);
  });

  it('a counter reset (a gap in the rate) then the usual rate again starts no event', async () => {
    const n = noise(31);
    const values = Array.from({ length: 3000 }, (_, i) => (i === 2000 ? Number.NaN : 100 + 5 * n()));
    const r = await run(values);
    expect(r.started.filter((i) => i >= 1990 && i < 2100)).toEqual([]);
  });
});

describe('state file', () => {
  it('migrates a file of the previous scorer version: normaliser, window and calibration kept, stages fresh', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-stages-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.json');
    const scorer = new Scorer(lastValuePredictor(W), 100, DEFAULT_STAGE_OPTIONS);
    const state = scorer.newState();
    const n = noise(2);
    await run(
      Array.from({ length: 300 }, () => 5 + n()),
      {},
      undefined,
      scorer,
      state,
    );
    await saveState(file, W, [{ key: 'k', metric: 'm', labels: {}, lastSeen: 1, state, history: new Float32Array([1, 2]) }], 0);
    const j = JSON.parse(await readFile(file, 'utf8')) as { format: string; series: Record<string, unknown>[] };
    j.format = 'vigil-detector-state/1';
    for (const s of j.series) delete s.stages;
    await writeFile(file, JSON.stringify(j));
    const loaded = await loadState(file, W, DEFAULT_STAGE_OPTIONS);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.migrated).toBe('vigil-detector-state/1');
    const p = loaded.series[0]!.state;
    expect(p.calibration.count).toBe(state.calibration.count);
    expect(p.norm).toEqual(state.norm);
    expect(p.stages.longCount).toBe(0);
    expect(p.stages.refractoryLeft).toBe(0);
  });

  it('migrates a file from before the level check: the stages kept, the level check fresh', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-stages-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.json');
    const scorer = new Scorer(lastValuePredictor(W), 100, DEFAULT_STAGE_OPTIONS);
    const state = scorer.newState();
    const n = noise(4);
    await run(
      Array.from({ length: 300 }, () => 5 + n()),
      {},
      undefined,
      scorer,
      state,
    );
    await saveState(file, W, [{ key: 'k', metric: 'm', labels: {}, lastSeen: 1, state, history: new Float32Array(0) }], 0);
    const j = JSON.parse(await readFile(file, 'utf8')) as { format: string; series: { stages: Record<string, unknown> }[] };
    expect(j.format).toBe('vigil-detector-state/4');
    const current = structuredClone(j);
    j.format = 'vigil-detector-state/2';
    for (const s of j.series) {
      delete s.stages.drift;
      delete s.stages.robust;
      delete s.stages.flatline;
    }
    await writeFile(file, JSON.stringify(j));
    const loaded = await loadState(file, W, DEFAULT_STAGE_OPTIONS);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.migrated).toBe('vigil-detector-state/2');
    const p = loaded.series[0]!.state.stages;
    expect(p.longCount).toBe(state.stages.longCount);
    expect(p.rangeCount).toBe(state.stages.rangeCount);
    expect(p.driftCount).toBe(0);
    // The current format round-trips the level check.
    await saveState(file, W, [{ key: 'k', metric: 'm', labels: {}, lastSeen: 1, state, history: new Float32Array(0) }], 0);
    const again = await loadState(file, W, DEFAULT_STAGE_OPTIONS);
    expect(again.ok && again.migrated === false && again.series[0]!.state.stages.driftLong === state.stages.driftLong).toBe(true);
    expect(again.ok && again.series[0]!.state.stages.robustLevel === state.stages.robustLevel && state.stages.robustCount === 300).toBe(true);
    expect(again.ok && again.series[0]!.state.stages.flatRate === state.stages.flatRate && state.stages.flatCount === 300).toBe(true);
    // A file from before the robust deviation check (/3): everything kept, the robust check fresh.
    current.format = 'vigil-detector-state/3';
    for (const s of current.series) {
      delete s.stages.robust;
      delete s.stages.flatline;
    }
    await writeFile(file, JSON.stringify(current));
    const from3 = await loadState(file, W, DEFAULT_STAGE_OPTIONS);
    expect(from3.ok && from3.migrated).toBe('vigil-detector-state/3');
    if (!from3.ok) return;
    expect(from3.series[0]!.state.stages.driftCount).toBe(state.stages.driftCount);
    expect(from3.series[0]!.state.stages.robustCount).toBe(0);
    expect(from3.series[0]!.state.stages.flatCount).toBe(0);
  });

  it('rejects a stage state with an out-of-range field instead of crashing later', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-stages-'));
    dirs.push(dir);
    const file = path.join(dir, 'state.json');
    const scorer = new Scorer(lastValuePredictor(W), 100, DEFAULT_STAGE_OPTIONS);
    await saveState(file, W, [{ key: 'k', metric: 'm', labels: {}, lastSeen: 1, state: scorer.newState(), history: new Float32Array(0) }], 0);
    const j = JSON.parse(await readFile(file, 'utf8')) as { series: { stages: { shortHead: number } }[] };
    j.series[0]!.stages.shortHead = 99;
    await writeFile(file, JSON.stringify(j));
    const loaded = await loadState(file, W, DEFAULT_STAGE_OPTIONS);
    expect(loaded.ok).toBe(false);
  });
});

describe('the tail gate and the robust deviation check (round 4)', () => {
  const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };

  it('counts "the largest error in a while" only when the fitted error tail also makes it improbable', () => {
    const o = DEFAULT_STAGE_OPTIONS;
    for (const [tail, raw] of [
      [1e-2, 0], // rank 1, but the series' error tail makes such an error ordinary
      [1e-3, 0],
      [10 ** -3.5, 0.5],
      [1e-5, 1],
      [Number.NaN, 1], // no tail (the gate is off for this point)
    ] as const) {
      const s = newStageState(o);
      stagePoint(s, o, 5, 1, tail, T0, true, out);
      expect(out.raw).toBeCloseTo(raw, 9);
    }
  });

  it('flags a burst as high as an outage the range and the calibration learned in warm-up', async () => {
    // A crash rate: ~10 per interval; a 30-point outage at ~1000 during warm-up; then 4-point bursts as high.
    const n = noise(12);
    const bursts = [500, 900, 1300];
    const high = (i: number): boolean => (i >= 40 && i < 70) || bursts.some((b) => i >= b && i < b + 4);
    const values = Array.from({ length: 1500 }, (_, i) => (high(i) ? 1000 + 50 * n() : 10 + n()));
    const on = await run(values);
    const off = await run(values, { robustSigmas: 0 });
    // Every burst is an event that starts inside it, and nothing else is.
    expect(on.started).toHaveLength(bursts.length);
    for (const [k, b] of bursts.entries()) expect(on.started[k]! - b).toBeLessThan(4);
    // Without the check the first burst is neither outside the learned range nor a rare error.
    expect(off.started.some((i) => i >= 500 && i < 504)).toBe(false);
  });

  it('takes a level that holds as its new level: a shift on a flat series is news for 30 points, not for hours', () => {
    const n = noise(15);
    // A load average of about 0.1 (tiny noise) that jumps to 50 and stays there; the model's error is ordinary.
    const values = Array.from({ length: 3000 }, (_, i) => (i < 1000 ? 0.1 + 0.001 * n() : 50 + 0.01 * n()));
    const farPoints = (o: StageOptions): number => {
      const s = newStageState(o);
      let far = 0;
      for (const [i, x] of values.entries()) {
        stagePoint(s, o, x, 0.5, Number.NaN, T0 + i * TICK, true, out);
        if (i >= 1000 && out.raw === 1) far++;
      }
      return far;
    };
    expect(farPoints(DEFAULT_STAGE_OPTIONS)).toBe(30);
    // Without re-anchoring, the robust level crawls toward 50 by a share of a scale per point.
    expect(farPoints({ ...DEFAULT_STAGE_OPTIONS, robustRelearn: 1e9 })).toBeGreaterThan(500);
  });

  it('does not take Gaussian noise for news: not while the series is young, hardly ever later', async () => {
    const n = noise(13);
    // Gaussian noise on a daily wave, from the series' first point, for three days.
    const values = Array.from({ length: 3 * DAY }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / DAY) + 2 * n());
    const r = await run(values);
    // The range seen in the first minutes is no bound on the noise (the tolerance's floor of 4 robust
    // scales); without that floor the first hours raise several events.
    expect(r.started.filter((i) => i < 1000)).toEqual([]);
    expect((await run(values, { rangeScaleFloor: 0 })).started.filter((i) => i < 1000).length).toBeGreaterThan(3);
    // Over three days: the wave's first new high (a value this series never showed) and at most one
    // noise point rare enough for the tail gate; without the gate, "the largest error in a while"
    // raises events every few hours.
    expect(r.started.length).toBeLessThanOrEqual(2);
    expect((await run(values, { tailQuantile: 0 })).started.length).toBeGreaterThan(20);
  });

  it('flags a noisy series that stops changing (a stuck exporter), not a quantised or constant one', async () => {
    const n = noise(14);
    const stuckAt = 2000;
    const noisy = Array.from({ length: 3000 }, (_, i) => (i >= stuckAt && i < stuckAt + 60 ? 50 : 50 + 3 * n()));
    const r = await run(noisy);
    expect(r.started).toHaveLength(1);
    expect(r.started[0]).toBeGreaterThanOrEqual(stuckAt + 19);
    expect(r.started[0]).toBeLessThan(stuckAt + 25);
    // A gauge that changes at about one point in ten, stuck as long: close to its usual behaviour.
    let level = 5;
    const quantised = Array.from({ length: 3000 }, (_, i) =>
      i >= stuckAt && i < stuckAt + 60 ? level : (level = n() > 1.28 ? level + Math.sign(n()) : level),
    );
    expect((await run(quantised)).started).toEqual([]);
    expect((await run(new Array<number>(3000).fill(7))).started).toEqual([]);
  });
});

describe('event logic', () => {
  it('keeps one event while the score holds and counts the refractory period from its last active point', () => {
    const o = { ...DEFAULT_STAGE_OPTIONS, threshold: 0.6, refractory: 30 };
    const s = newStageState(o);
    const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
    // 100 points above the threshold (a long incident), then quiet; spikes 20 and 60 points after it ends.
    const scores = Array.from({ length: 300 }, (_, i) => (i >= 10 && i < 110 ? 0.8 : i === 129 || i === 169 ? 0.9 : 0));
    const starts: number[] = [];
    const active: number[] = [];
    for (const [i, v] of scores.entries()) {
      eventPoint(s, o, v, out);
      if (out.started === 1) starts.push(i);
      active.push(out.anomaly);
    }
    expect(starts).toEqual([10, 169]);
    // Active from the start while the score holds: 100 points.
    expect(active.slice(0, 130).reduce((a, b) => a + b, 0)).toBe(100);
  });
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
