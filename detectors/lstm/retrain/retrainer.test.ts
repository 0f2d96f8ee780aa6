import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import cron from 'node-cron';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSynthetic } from '../../data/synthetic.ts';
import { exportOnnx } from '../onnx-export.ts';
import { loadOnnxPredictor } from '../onnx-predictor.ts';
import { initModel } from '../params.ts';
import { createRng } from '../prng.ts';
import { retrainedModelPath, Retrainer, type RetrainerOptions } from './retrainer.ts';
import { defaultSchedule, plainCron } from './schedule.ts';

const NOW = Date.UTC(2026, 10, 23, 3, 17, 0);

function capturingLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino(stream), lines };
}

const sample = (r: Retrainer, name: string, outcome?: string): number | undefined =>
  r.samples().find((s) => s.name === name && (outcome === undefined || s.labels.outcome === outcome))?.value;

describe('Retrainer', () => {
  let dir: string;
  let initialPath: string;
  // A node's history: a few seasonal/noisy series, like the monitored ratios and rates.
  const history = generateSynthetic({ count: 6, length: 1500, seed: 3 }).map((s) => s.values);
  const fineTune = { epochs: 2, trainWindows: 1500, validationWindows: 600, batchSize: 32, learningRate: 3e-3, finalLearningRate: 1e-3 };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-retrain-'));
    initialPath = join(dir, 'initial.onnx');
    // An untrained model: fine-tuning on real-looking history must beat it.
    const m = initModel({ window: 16, hidden: 8 }, createRng(5));
    await writeFile(initialPath, exportOnnx(m, { name: 'vigil-lstm', version: '0-untrained', normalizerHalfLife: 512 }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const options = (over: Partial<RetrainerOptions>): RetrainerOptions => ({
    nodeName: 'node-a',
    history: () => history,
    modelPath: initialPath,
    stateDir: join(dir, 'state'),
    logger: pino({ level: 'silent' }),
    onSwap: () => {},
    now: () => NOW,
    fineTune,
    ...over,
  });

  it('fine-tunes in a low-priority worker and swaps in a better candidate atomically', async () => {
    const swaps: string[] = [];
    const { logger, lines } = capturingLogger();
    const r = new Retrainer(options({ logger, onSwap: (p) => void swaps.push(p) }));
    const result = await r.runOnce();
    expect(result.outcome).toBe('swapped');
    if (result.outcome !== 'swapped') return;
    expect(result.candidateMse).toBeLessThan(result.currentMse);
    if (process.platform === 'linux') expect(result.niceness).toBe(19);
    expect(swaps).toEqual([result.path]);
    expect(result.path.startsWith(join(dir, 'state', 'detector', 'models'))).toBe(true);
    expect(r.modelPath).toBe(result.path);
    expect(await retrainedModelPath(join(dir, 'state'))).toBe(result.path);
    const pointer = JSON.parse(await readFile(join(dir, 'state', 'detector', 'models', 'current.json'), 'utf8')) as { previous: string };
    expect(pointer.previous).toBe(initialPath);
    const predictor = await loadOnnxPredictor(result.path);
    expect(predictor.window).toBe(16);
    expect(predictor.info.version).not.toBe('0-untrained');
    await predictor.close();
    expect(sample(r, 'vigil_detector_retrain_runs_total', 'swapped')).toBe(1);
    expect(sample(r, 'vigil_detector_retrain_runs_total', 'rejected')).toBe(0);
    expect(sample(r, 'vigil_detector_retrain_last_success_timestamp_seconds')).toBe(NOW / 1000);
    expect(lines.filter((l) => l.event === 'detector_retrain').map((l) => l.outcome)).toEqual(['swapped']);
  });

  it('rejects a candidate that fits the held-back data worse and keeps the current model', async () => {
    const current = await retrainedModelPath(join(dir, 'state'));
    expect(current).toBeDefined();
    const before = await readFile(current!);
    let swapped = false;
    const { logger, lines } = capturingLogger();
    // A learning rate far too high wrecks the weights: the held-back comparison must catch it.
    const r = new Retrainer(
      options({ modelPath: current!, logger, onSwap: () => void (swapped = true), fineTune: { ...fineTune, learningRate: 2, finalLearningRate: 2 } }),
    );
    const result = await r.runOnce();
    expect(result.outcome).toBe('rejected');
    if (result.outcome === 'rejected') expect(result.candidateMse).toBeGreaterThan(result.currentMse);
    expect(swapped).toBe(false);
    expect(r.modelPath).toBe(current);
    expect(await retrainedModelPath(join(dir, 'state'))).toBe(current);
    expect((await readFile(current!)).equals(before)).toBe(true);
    expect(sample(r, 'vigil_detector_retrain_runs_total', 'rejected')).toBe(1);
    expect(sample(r, 'vigil_detector_retrain_runs_total', 'swapped')).toBe(0);
    expect(lines.filter((l) => l.event === 'detector_retrain').map((l) => l.outcome)).toEqual(['rejected']);
  });

  it('counts a run on a broken model as failed and never throws', async () => {
    const broken = join(dir, 'broken.onnx');
    await writeFile(broken, 'garbage');
    const { logger, lines } = capturingLogger();
    const r = new Retrainer(options({ modelPath: broken, logger }));
    const result = await r.runOnce();
    expect(result.outcome).toBe('failed');
    expect(sample(r, 'vigil_detector_retrain_runs_total', 'failed')).toBe(1);
    expect(sample(r, 'vigil_detector_retrain_last_success_timestamp_seconds')).toBe(0);
    expect(lines.find((l) => l.event === 'detector_retrain')?.level).toBe(50);
  });

  it('skips (no run counted) when the node has too little history', async () => {
    const r = new Retrainer(options({ history: () => [history[0]!.subarray(0, 40)] }));
    expect((await r.runOnce()).outcome).toBe('skipped');
    expect(
      r
        .samples()
        .filter((s) => s.name === 'vigil_detector_retrain_runs_total')
        .every((s) => s.value === 0),
    ).toBe(true);
  });
});

describe('retraining schedule', () => {
  it('derives a daily minute and hour from the node name, stable per name and spread over a fleet', () => {
    expect(defaultSchedule('node-a')).toBe(defaultSchedule('node-a'));
    expect(defaultSchedule('node-a')).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/);
    expect(cron.validate(defaultSchedule('node-a'))).toBe(true);
    const fleet = Array.from({ length: 50 }, (_, i) => defaultSchedule(`worker-${i}.cluster.local`));
    expect(new Set(fleet).size).toBeGreaterThan(40);
    for (const s of fleet) {
      const [minute, hour] = s.split(' ').map(Number);
      expect(minute).toBeGreaterThanOrEqual(0);
      expect(minute).toBeLessThan(60);
      expect(hour).toBeGreaterThanOrEqual(0);
      expect(hour).toBeLessThan(24);
    }
  });

  const base = { history: () => [], modelPath: 'x', stateDir: 'y', logger: pino({ level: 'silent' }), onSwap: () => {} };
  it('uses the configured schedule when given and refuses an invalid one', () => {
    expect(new Retrainer({ ...base, nodeName: 'n', schedule: '*/5 * * * *' }).schedule).toBe('*/5 * * * *');
    expect(new Retrainer({ ...base, nodeName: 'n' }).schedule).toBe(defaultSchedule('n'));
    expect(() => new Retrainer({ ...base, nodeName: 'n', schedule: 'every day' })).toThrow(/cron/);
  });
});

describe('plain cron expressions (matched without node-cron)', () => {
  const local = (y: number, mo: number, d: number, h: number, mi: number) => new Date(y, mo - 1, d, h, mi);

  it('matches what node-cron matches, in local time', () => {
    const cases: [string, Date, boolean][] = [
      ['17 3 * * *', local(2026, 5, 4, 3, 17), true],
      ['17 3 * * *', local(2026, 5, 4, 3, 18), false],
      ['*/5 * * * *', local(2026, 5, 4, 9, 35), true],
      ['*/5 * * * *', local(2026, 5, 4, 9, 36), false],
      ['0 9-17/4 * * 1-5', local(2026, 5, 4, 13, 0), true], // a Monday
      ['0 9-17/4 * * 1-5', local(2026, 5, 3, 13, 0), false], // a Sunday
      ['0 0 * * 7', local(2026, 5, 3, 0, 0), true], // 7 is Sunday too
      ['0 0 1,15 * *', local(2026, 5, 15, 0, 0), true],
      ['0 0 1 * 1', local(2026, 6, 1, 0, 0), true], // both day fields restricted: both must match, as in node-cron
      ['0 0 1 * 1', local(2026, 5, 1, 0, 0), false],
    ];
    for (const [expr, at, expected] of cases) {
      const m = plainCron(expr);
      expect(m, expr).toBeDefined();
      expect(m!(at), `${expr} at ${at.toString()}`).toBe(expected);
      expect(cron.validate(expr), expr).toBe(true);
    }
  });

  it('leaves what it does not read to node-cron', () => {
    for (const expr of ['0 0 * * mon', '0 0 L * *', '0 0 * jan *', '0 0 0 * * *', '@daily', '60 * * * *', '5-1 * * * *'])
      expect(plainCron(expr), expr).toBeUndefined();
  });
});
