import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalize, newNormalizerState, update } from '../scoring/normalizer.ts';
import { cardMarkdown } from './model-card.ts';
import { loadOnnxPredictor } from './onnx-predictor.ts';
import { initModel } from './params.ts';
import { createRng } from './prng.ts';
import { SHIPPED_MODEL_PATH } from './shipped-model.ts';
import { evaluate, naiveMse, trainModel } from './trainer.ts';
import { runTraining } from './training-run.ts';
import { buildWindowSet, normalizeSeries, WARMUP_POINTS } from './windows.ts';

const TREE = join(import.meta.dirname, '../data/testdata/tree');
const SMALL = { trainWindows: 600, validationWindows: 200, synthetic: { count: 4, length: 800 } };

describe('training windows', () => {
  it('are normalised exactly as the daemon does it: z = normalize(state, x), then update(state, x)', () => {
    const xs = Array.from({ length: 300 }, (_, t) => 100 + 10 * Math.sin(t / 5) + (t === 150 ? 80 : 0));
    const s = newNormalizerState();
    const expected = xs.map((x) => {
      const z = normalize(s, x);
      update(s, x);
      return Math.fround(z);
    });
    expect(Array.from(normalizeSeries(xs))).toEqual(expected);
  });

  it('skip warm-up, gaps and flat series; validation targets come from the end of each series', () => {
    const xs = Array.from({ length: 400 }, (_, t) => (t === 200 ? NaN : Math.sin(t / 3)));
    const flat = new Array<number>(400).fill(7);
    const set = buildWindowSet([xs, flat], { window: 16, trainPerSeries: 1000, validationPerSeries: 1000, validationFraction: 0.2 }, createRng(1));
    expect(set.z.length).toBe(400); // the flat series is left out
    for (const s of [...set.train, ...set.validation]) {
      expect(s).toBeGreaterThanOrEqual(WARMUP_POINTS);
      for (let t = s; t <= s + 16; t++) expect(Number.isNaN(set.z[t]!)).toBe(false);
    }
    expect(Math.max(...set.train) + 16).toBeLessThan(320);
    expect(Math.min(...set.validation) + 16).toBeGreaterThanOrEqual(320);
    expect(set.train.length).toBeGreaterThan(200);
  });
});

describe('trainer', () => {
  it('learns: on seasonal series the trained model beats its initial weights and the last-value forecast', async () => {
    const rng = createRng(2);
    const series = Array.from({ length: 8 }, (_, k) =>
      Array.from({ length: 1200 }, (_, t) => Math.sin((2 * Math.PI * t) / (12 + 4 * k)) + 0.05 * rng.normal()),
    );
    const set = buildWindowSet(series, { window: 16, trainPerSeries: 150, validationPerSeries: 40, validationFraction: 0.2 }, rng);
    const init = initModel({ window: 16, hidden: 8 }, rng);
    const before = evaluate(init, set, set.validation).mse;
    const result = await trainModel(init, set, { epochs: 6, batchSize: 32, learningRate: 1e-2, finalLearningRate: 1e-3 }, rng);
    const after = evaluate(result.model, set, set.validation).mse;
    expect(result.history).toHaveLength(6);
    expect(result.history.at(-1)!.trainLoss).toBeLessThan(result.history[0]!.trainLoss);
    expect(after).toBeLessThan(before / 3);
    expect(after).toBeLessThan(naiveMse(set, set.validation).lastValue);
  });

  it('gives the same .onnx bytes for the same data and seed, different bytes for another seed', async () => {
    const a = await runTraining({ dataDir: TREE, seed: 4, epochs: 2, budget: SMALL });
    const b = await runTraining({ dataDir: TREE, seed: 4, epochs: 2, budget: SMALL });
    const c = await runTraining({ dataDir: TREE, seed: 5, epochs: 2, budget: SMALL });
    expect(Buffer.from(a.onnx).equals(Buffer.from(b.onnx))).toBe(true);
    expect(Buffer.from(a.onnx).equals(Buffer.from(c.onnx))).toBe(false);
    expect(a.report.history).toEqual(b.report.history);
    expect(a.report.used.map((u) => u.path)).not.toContain('labelled.csv');
    const card = cardMarkdown({
      report: a.report,
      sha256: 'f'.repeat(64),
      bytes: a.onnx.length,
      modelFile: 'm.onnx',
      seconds: 1,
      cpuSeconds: 1,
      command: 'vigil train --data d --out m.onnx --seed 4 --epochs 2',
    });
    expect(card).toContain(`sha256 \`${'f'.repeat(64)}\``);
    expect(card).toContain('vigil train --data d --out m.onnx --seed 4 --epochs 2');
    expect(card.match(/^\| [12] \| \d/gm)).toHaveLength(2); // one loss-table row per epoch
    expect(card).toContain('<svg');
    expect(card).toContain('labelled (evaluation data)');
  });
});

describe.skipIf(!existsSync(SHIPPED_MODEL_PATH))('the shipped model', () => {
  it('loads in onnxruntime, is under 1 MB and matches its model card', async () => {
    const bytes = await readFile(SHIPPED_MODEL_PATH);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const card = JSON.parse(await readFile(`${SHIPPED_MODEL_PATH}.card.json`, 'utf8')) as {
      sha256: string;
      version: string;
      hyperparameters: { window: number };
    };
    const p = await loadOnnxPredictor(SHIPPED_MODEL_PATH);
    expect(p.info).toMatchObject({ name: 'vigil-lstm', version: card.version, sha256: card.sha256 });
    expect(p.window).toBe(card.hyperparameters.window);
    await p.close();
  });
});

describe('vigil train', () => {
  it('writes the model and its card; a bad CSV exits 2 naming file and line', async () => {
    const { trainCommand } = await import('../cli/train.ts');
    const dir = await mkdtemp(join(tmpdir(), 'vigil-train-'));
    try {
      const errors: string[] = [];
      const write = process.stderr.write.bind(process.stderr);
      process.stderr.write = ((chunk: string) => (errors.push(String(chunk)), true)) as typeof process.stderr.write;
      let bad: number;
      try {
        bad = await trainCommand({ data: join(import.meta.dirname, '../data/testdata/bad'), out: join(dir, 'x.onnx') });
      } finally {
        process.stderr.write = write;
      }
      expect(bad).toBe(2);
      expect(errors.join('')).toMatch(/VIGIL_ERR_TRAIN_DATA_INVALID .*broken\.csv:4: /);
      expect(await trainCommand({ data: TREE, out: join(dir, 'x.onnx'), epochs: '0' })).toBe(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
