import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StageContext } from '../core/component.ts';
import { ErrorCode } from '../core/errors.ts';
import type { Snapshot } from '../core/snapshot.ts';
import { counter, gauge, type Sample } from '../core/samples.ts';
import { detectorOptions } from './config.ts';
import { createDetectorStage, type DetectorStageDeps, type RetrainerLike } from './detector-stage.ts';
import type { RetrainerOptions } from './lstm/retrain/retrainer.ts';
import { stateFilePath } from './scoring/state-file.ts';
import { lastValuePredictor } from './scoring/testing/last-value-predictor.ts';
import { MONITORED } from './series/monitored-series.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Harness {
  ctx: StageContext;
  logs: Array<Record<string, unknown>>;
}

function harness(stateDir = mkdtempSync(path.join(tmpdir(), 'vigil-detector-'))): Harness {
  dirs.push(stateDir);
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const ctx: StageContext = {
    logger,
    now: () => 0,
    paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
    signal: new AbortController().signal,
    stateDir,
    nodeName: 'node-a',
    externalUrl: 'http://node-a:9464',
    meter: new MeterProvider().getMeter('test'),
    env: {},
  };
  return { ctx, logs };
}

/** A host snapshot at tick i: CPU, memory, a filesystem, disk and network counters, load. */
function hostSnapshot(i: number, opts: { load?: number } = {}): Snapshot {
  const t = 1_700_000_000_000 + i * 10_000;
  const wobble = Math.sin(i / 3);
  const samples: Sample[] = [
    counter('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, 10 * i * 0.7 + wobble),
    counter('node_cpu_seconds_total', { cpu: '0', mode: 'user' }, 10 * i * 0.3 - wobble),
    gauge('node_memory_MemTotal_bytes', {}, 8e9),
    gauge('node_memory_MemAvailable_bytes', {}, 4e9 + 1e8 * wobble),
    gauge('node_filesystem_size_bytes', { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }, 1e11),
    gauge('node_filesystem_avail_bytes', { device: '/dev/sda1', fstype: 'ext4', mountpoint: '/' }, 5e10 - i * 1e6),
    counter('node_disk_read_bytes_total', { device: 'sda' }, i * 1e6 + 1e5 * wobble),
    counter('node_disk_written_bytes_total', { device: 'sda' }, i * 2e6),
    counter('node_network_receive_bytes_total', { device: 'eth0' }, i * 5e5),
    counter('node_network_transmit_bytes_total', { device: 'eth0' }, i * 4e5 + 1e4 * wobble),
    counter('node_network_receive_errs_total', { device: 'eth0' }, 0),
    counter('node_network_transmit_errs_total', { device: 'eth0' }, 0),
    counter('node_network_receive_bytes_total', { device: 'lo' }, i * 9e5),
    gauge('node_load1', {}, opts.load ?? 1 + 0.2 * wobble),
  ];
  return { timestamp: t, samples };
}

const config = (over: Record<string, unknown> = {}) => detectorOptions.parse({ warmup: 5, retrain: { enabled: false }, ...over });
const byName = (samples: readonly Sample[], name: string) => samples.filter((s) => s.name === name);

describe('detector stage', () => {
  it('with a missing model: one error log with the code, vigil_detector_up 0, no scores, no throw', async () => {
    const { ctx, logs } = harness();
    const stage = createDetectorStage(config({ model: path.join(ctx.stateDir, 'nope.onnx') }), ctx);
    await stage.start(ctx.signal);
    const out = await stage.score(hostSnapshot(1));
    expect(out.anomalies).toEqual([]);
    expect(out.samples).toEqual([gauge('vigil_detector_up', {}, 0)]);
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe(ErrorCode.MODEL_INVALID);
    await stage.stop();
  });

  it('with a corrupt model file: the real loader rejects it, the stage stays down', async () => {
    const { ctx, logs } = harness();
    const model = path.join(ctx.stateDir, 'corrupt.onnx');
    writeFileSync(model, Buffer.from('this is not an onnx model at all'.repeat(10)));
    const stage = createDetectorStage(config({ model }), ctx);
    await stage.start(ctx.signal);
    for (let i = 0; i < 3; i++) expect(byName((await stage.score(hostSnapshot(i))).samples, 'vigil_detector_up')[0]!.value).toBe(0);
    expect(logs.filter((l) => l.level === 50).map((l) => l.code)).toEqual([ErrorCode.MODEL_INVALID]);
  });

  it('scores every default series in one predict call per tick, lo excluded, after warm-up', async () => {
    const { ctx } = harness();
    const p = lastValuePredictor(4);
    const stage = createDetectorStage(config(), ctx, { loadPredictor: async () => p });
    await stage.start(ctx.signal);
    let out = await stage.score(hostSnapshot(0));
    for (let i = 1; i < 30; i++) out = await stage.score(hostSnapshot(i));
    const metrics = new Set(out.anomalies.map((a) => a.metric));
    // Every default series but PostgreSQL's: the host snapshot has no postgres target.
    const hostSeries = Object.values(MONITORED).filter((m) => m !== MONITORED.pgLag && m !== MONITORED.pgReplayAge);
    expect([...metrics].sort()).toEqual(hostSeries.sort());
    expect(out.anomalies.some((a) => a.labels.device === 'lo')).toBe(false);
    const fs = out.anomalies.find((a) => a.metric === 'node_filesystem_used_ratio')!;
    expect(fs.labels).toEqual({ device: '/dev/sda1', mountpoint: '/', fstype: 'ext4' });
    expect(fs.value).toBeCloseTo(1 - (5e10 - 29e6) / 1e11, 9);
    const cpu = out.anomalies.find((a) => a.metric === 'node_cpu_busy_ratio')!;
    expect(cpu.value).toBeGreaterThan(0.1);
    expect(cpu.value).toBeLessThan(0.6);
    // One call per tick once windows are full, batch = every series with a full window: the 10 host
    // series and the node totals of the 4 network rates.
    expect(p.calls).toBeLessThanOrEqual(30);
    expect(Math.max(...p.batches)).toBe(14);
    expect(
      out.anomalies
        .filter((a) => a.labels.device === undefined && a.metric.startsWith('node_network_'))
        .map((a) => a.metric)
        .sort(),
    ).toEqual([MONITORED.netRx, MONITORED.netRxErrs, MONITORED.netTx, MONITORED.netTxErrs].sort());
    for (const a of out.anomalies) expect(a.score >= 0 && a.score <= 1).toBe(true);
    const score = byName(out.samples, 'vigil_anomaly_score').find((s) => s.labels.metric === 'node_load1')!;
    expect(score.labels).toEqual({ metric: 'node_load1' });
    expect(byName(out.samples, 'vigil_detector_up')[0]!.value).toBe(1);
    expect(byName(out.samples, 'vigil_model_info')[0]!.labels).toEqual({ model: 'last-value', version: 'test', sha256: '0'.repeat(64) });
    expect(byName(out.samples, 'vigil_detector_series').find((s) => s.labels.state === 'scoring')!.value).toBe(14);
    await stage.stop();
  });

  it('flags a spike in load1 and reports it in vigil_anomaly and vigil_host_anomaly_rate', async () => {
    const { ctx } = harness();
    const stage = createDetectorStage(config({ warmup: 20 }), ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    for (let i = 0; i < 200; i++) await stage.score(hostSnapshot(i));
    const out = await stage.score(hostSnapshot(200, { load: 40 }));
    const load = out.anomalies.find((a) => a.metric === 'node_load1')!;
    expect(load.anomalous).toBe(true);
    expect(byName(out.samples, 'vigil_anomaly').find((s) => s.labels.metric === 'node_load1')!.value).toBe(1);
    expect(byName(out.samples, 'vigil_host_anomaly_rate')[0]!.value).toBeGreaterThan(0);
  });

  it('exclude removes series; include adds a raw gauge; maxSeries caps and counts what it left out', async () => {
    const { ctx } = harness();
    const cfg = config({
      series: {
        exclude: [{ metric: 'node_network_receive_errs_per_second' }, { metric: 'node_network_transmit_errs_per_second', labels: { device: 'eth0' } }],
        include: [{ metric: 'node_pressure_cpu_waiting_seconds_total' }],
        maxSeries: 5,
      },
    });
    const stage = createDetectorStage(cfg, ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    let out = await stage.score(hostSnapshot(0));
    for (let i = 1; i < 20; i++) {
      const snap = hostSnapshot(i);
      out = await stage.score({ ...snap, samples: [...snap.samples, counter('node_pressure_cpu_waiting_seconds_total', {}, i * 3)] });
    }
    const metrics = out.anomalies.map((a) => a.metric);
    expect(metrics).toHaveLength(5);
    expect(metrics).not.toContain('node_network_receive_errs_per_second');
    expect(metrics).not.toContain('node_network_transmit_errs_per_second');
    // 8 default series after the exclusions, the node totals of 3 network rates (receive errors are
    // excluded by name, transmit errors only for eth0), 1 included = 12, cap 5.
    expect(byName(out.samples, 'vigil_detector_series_dropped')[0]!.value).toBe(7);

    const { ctx: ctx2 } = harness();
    const stage2 = createDetectorStage(config({ series: { include: [{ metric: 'node_pressure_cpu_waiting_seconds_total' }] } }), ctx2, {
      loadPredictor: async () => lastValuePredictor(4),
    });
    await stage2.start(ctx2.signal);
    for (let i = 0; i < 20; i++) {
      const snap = hostSnapshot(i);
      out = await stage2.score({ ...snap, samples: [...snap.samples, counter('node_pressure_cpu_waiting_seconds_total', {}, i * 3)] });
    }
    const psi = out.anomalies.find((a) => a.metric === 'node_pressure_cpu_waiting_seconds_total')!;
    expect(psi.value).toBeCloseTo(0.3, 9);
  });

  it('one incident is one event: vigil_anomaly_events_total counts the start, the refractory period holds the score below the threshold', async () => {
    const { ctx } = harness();
    const stage = createDetectorStage(config({ warmup: 20 }), ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    for (let i = 0; i < 200; i++) await stage.score(hostSnapshot(i));
    const events = (o: { samples: Sample[] }) => byName(o.samples, 'vigil_anomaly_events_total').find((x) => x.labels.metric === 'node_load1')!;
    const before = events(await stage.score(hostSnapshot(200)));
    expect(before.kind).toBe('counter');
    // Two spikes 10 ticks apart: one event.
    const first = await stage.score(hostSnapshot(201, { load: 40 }));
    expect(events(first).value).toBe(before.value + 1);
    for (let i = 202; i < 211; i++) await stage.score(hostSnapshot(i));
    const second = await stage.score(hostSnapshot(211, { load: 60 }));
    expect(events(second).value).toBe(before.value + 1);
    const score = byName(second.samples, 'vigil_anomaly_score').find((x) => x.labels.metric === 'node_load1')!.value;
    expect(score).toBeLessThan(config().threshold);
  });

  it('a state file of the previous scorer version is migrated with one warning (code, file), warm-up kept', async () => {
    const { ctx } = harness();
    const deps: DetectorStageDeps = { loadPredictor: async () => lastValuePredictor(4) };
    const first = createDetectorStage(config({ warmup: 20 }), ctx, deps);
    await first.start(ctx.signal);
    for (let i = 0; i < 40; i++) await first.score(hostSnapshot(i));
    await first.stop();
    // Rewrite it as the previous version wrote it: format /1, no stages.
    const file = stateFilePath(ctx.stateDir);
    const j = JSON.parse(readFileSync(file, 'utf8')) as { format: string; series: Record<string, unknown>[] };
    j.format = 'vigil-detector-state/1';
    for (const x of j.series) delete x.stages;
    writeFileSync(file, JSON.stringify(j));
    const again = harness(ctx.stateDir);
    const second = createDetectorStage(config({ warmup: 20 }), again.ctx, deps);
    await second.start(again.ctx.signal);
    const warnings = again.logs.filter((l) => l.code === ErrorCode.DETECTOR_STATE_INVALID);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.where).toBe(file);
    expect(String(warnings[0]!.msg)).toMatch(/migrated/);
    expect((await second.score(hostSnapshot(40))).anomalies.map((a) => a.metric)).toContain('node_load1');
  });

  it('persists state on stop; a restart does not re-open warm-up', async () => {
    const { ctx } = harness();
    const deps: DetectorStageDeps = { loadPredictor: async () => lastValuePredictor(4) };
    const first = createDetectorStage(config({ warmup: 20 }), ctx, deps);
    await first.start(ctx.signal);
    for (let i = 0; i < 40; i++) await first.score(hostSnapshot(i));
    await first.stop();
    expect(existsSync(stateFilePath(ctx.stateDir))).toBe(true);

    const again = harness(ctx.stateDir);
    const second = createDetectorStage(config({ warmup: 20 }), again.ctx, deps);
    await second.start(again.ctx.signal);
    // Rates need one snapshot first; the ratios and gauges score at once.
    const out = await second.score(hostSnapshot(40));
    expect(out.anomalies.map((a) => a.metric)).toContain('node_load1');
    expect(out.anomalies.map((a) => a.metric)).toContain('node_memory_used_ratio');
    const fresh = harness();
    const third = createDetectorStage(config({ warmup: 20 }), fresh.ctx, deps);
    await third.start(fresh.ctx.signal);
    expect((await third.score(hostSnapshot(40))).anomalies).toEqual([]);
  });

  it('saves the state periodically (every 5 minutes of ticks), not only at stop', async () => {
    const { ctx } = harness();
    const stage = createDetectorStage(config(), ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    await stage.score(hostSnapshot(0));
    for (let i = 1; i <= 25; i++) await stage.score(hostSnapshot(i));
    expect(existsSync(stateFilePath(ctx.stateDir))).toBe(false);
    // Ticks are 10 s apart: tick 30 is 5 minutes after the first.
    for (let i = 26; i <= 40; i++) await stage.score(hostSnapshot(i));
    for (let k = 0; k < 50 && !existsSync(stateFilePath(ctx.stateDir)); k++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(stateFilePath(ctx.stateDir))).toBe(true);
  });

  it('a corrupt state file is logged with its code and ignored', async () => {
    const { ctx, logs } = harness();
    mkdirSync(path.join(ctx.stateDir, 'detector'));
    writeFileSync(stateFilePath(ctx.stateDir), '{"format":"vigil-detector-state/1","window":4,"series":[{"key":1');
    const stage = createDetectorStage(config(), ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    expect(logs.find((l) => l.code === ErrorCode.DETECTOR_STATE_INVALID)).toBeDefined();
    for (let i = 0; i < 20; i++) await stage.score(hostSnapshot(i));
    await stage.stop();
    const saved = JSON.parse(readFileSync(stateFilePath(ctx.stateDir), 'utf8')) as { series: unknown[] };
    expect(saved.series.length).toBe(14);
  });

  it('NaN values do not poison a series', async () => {
    const { ctx } = harness();
    const stage = createDetectorStage(config(), ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    for (let i = 0; i < 30; i++) await stage.score(hostSnapshot(i, { load: i % 5 === 0 ? Number.NaN : 1 + 0.1 * Math.sin(i) }));
    const out = await stage.score(hostSnapshot(31));
    const load = out.anomalies.find((a) => a.metric === 'node_load1')!;
    expect(Number.isFinite(load.score)).toBe(true);
  });

  it('retraining: gets the stage history per series, its samples are exported, a swap takes effect at the next tick', async () => {
    const { ctx } = harness();
    let options: RetrainerOptions | undefined;
    let started = 0;
    let stopped = 0;
    const fake: RetrainerLike = {
      start: () => void started++,
      stop: async () => void stopped++,
      samples: () => [counter('vigil_detector_retrain_runs_total', { outcome: 'swapped' }, 1)],
    };
    const models: Record<string, ReturnType<typeof lastValuePredictor>> = { first: lastValuePredictor(4), second: lastValuePredictor(4) };
    (models.second as { info: object }).info = { name: 'retrained', version: '2', sha256: '1'.repeat(64) };
    const stage = createDetectorStage(config({ model: 'first', retrain: { enabled: true, schedule: '5 4 * * *' } }), ctx, {
      loadPredictor: async (p) => models[p]!,
      createRetrainer: (o) => {
        options = o;
        return fake;
      },
    });
    expect(stage.metrics.map((m) => m.name)).toContain('vigil_detector_retrain_runs_total');
    await stage.start(ctx.signal);
    expect(started).toBe(1);
    expect(options!.schedule).toBe('5 4 * * *');
    expect(options!.modelPath).toBe('first');
    let out = await stage.score(hostSnapshot(0));
    for (let i = 1; i < 20; i++) out = await stage.score(hostSnapshot(i, { load: i }));
    expect(byName(out.samples, 'vigil_detector_retrain_runs_total')).toHaveLength(1);
    const history = await options!.history();
    expect(history).toHaveLength(14);
    // node_load1's history holds its raw values, oldest first.
    expect(history.some((h) => h.length === 20 && h[19] === 19 && h[1] === 1)).toBe(true);

    await options!.onSwap('second');
    const callsBefore = models.second!.calls;
    out = await stage.score(hostSnapshot(20));
    expect(byName(out.samples, 'vigil_model_info')[0]!.labels.model).toBe('retrained');
    expect(models.second!.calls).toBe(callsBefore + 1);
    await stage.stop();
    expect(stopped).toBe(1);
  });

  it('an invalid retrain schedule is a config error with its key path', () => {
    const r = detectorOptions.safeParse({ retrain: { schedule: 'every day' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path).toEqual(['retrain', 'schedule']);
  });

  it('under interface churn the warm series keep their slots; a new stable series gets one within a tick after; unseen series are forgotten', async () => {
    const { ctx } = harness();
    const cfg = config({ series: { include: [{ metric: 'churn_gauge' }], maxSeries: 3, forgetAfter: '30s' } });
    const stage = createDetectorStage(cfg, ctx, { loadPredictor: async () => lastValuePredictor(4) });
    await stage.start(ctx.signal);
    const at = (i: number, ids: readonly string[]): Snapshot => ({
      timestamp: 1_700_000_000_000 + i * 10_000,
      // Short-lived series first in the snapshot, as a burst of new interfaces would come.
      samples: [...ids.map((id) => gauge('churn_gauge', { id }, 1 + Math.sin(i + id.length))), gauge('node_load1', {}, 1 + 0.1 * Math.sin(i))],
    });
    const scored = (out: { anomalies: readonly { metric: string; labels: Readonly<Record<string, string>> }[] }) =>
      out.anomalies.map((a) => a.labels.id ?? a.metric).sort();
    for (let i = 0; i < 40; i++) await stage.score(at(i, ['stable-a']));
    // One tick without stable-a (a glitch) while pods appear: they take the free slots and are tracked.
    const pods = (i: number) => Array.from({ length: 6 }, (_, k) => `pod-${Math.floor((i - k) / 3)}`);
    await stage.score(at(40, [...new Set(pods(40))]));
    // Churn goes on with stable-a back: the warm series are scored every tick, whatever the order.
    for (let i = 41; i < 80; i++) {
      const out = await stage.score(at(i, [...new Set(pods(i)), 'stable-a']));
      expect(scored(out), `tick ${i}`).toEqual(expect.arrayContaining(['node_load1', 'stable-a']));
    }
    // Churn stops; a new stable series gets the free slot at once.
    const out = await stage.score(at(80, ['stable-a', 'stable-c']));
    expect(byName(out.samples, 'vigil_detector_series_dropped')[0]!.value).toBe(0);
    for (let i = 81; i < 120; i++) await stage.score(at(i, ['stable-a', 'stable-c']));
    expect(scored(await stage.score(at(120, ['stable-a', 'stable-c'])))).toEqual(['node_load1', 'stable-a', 'stable-c']);
    await stage.stop();
    // The pods, unseen for longer than forgetAfter, are neither kept nor persisted.
    const saved = JSON.parse(readFileSync(stateFilePath(ctx.stateDir), 'utf8')) as { series: { key: string }[] };
    expect(saved.series.map((x) => x.key).filter((k) => k.includes('pod-'))).toEqual([]);
  });
});
