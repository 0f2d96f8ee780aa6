// One training run from a data directory to model bytes and card facts; the CLI adds the progress
// bar and writes the files. Deterministic: data (in sorted file order), seed and epochs decide the bytes.
import { createHash } from 'node:crypto';
import { generateSynthetic } from '../data/synthetic.ts';
import { loadTrainingData, type DataFileUse } from '../data/training-data.ts';
import { NORMALIZER_HALF_LIFE } from '../scoring/normalizer.ts';
import { HIDDEN, MODEL_FORMAT, MODEL_NAME, TRAINING, WINDOW } from './hyperparameters.ts';
import { exportOnnx } from './onnx-export.ts';
import { initModel, roundedToFloat32, type LstmModel } from './params.ts';
import { createRng } from './prng.ts';
import { evaluate, naiveMse, trainModel, type EpochStats, type Progress, type TrainOptions } from './trainer.ts';
import { buildWindowSet } from './windows.ts';

export interface TrainingRunOptions {
  readonly dataDir: string;
  readonly seed: number;
  readonly epochs: number;
  /** Smaller budgets for tests; the shipped model uses TRAINING as is. */
  readonly budget?: {
    readonly trainWindows?: number;
    readonly validationWindows?: number;
    readonly synthetic?: { readonly count: number; readonly length: number };
  };
}

export interface TrainingReport {
  readonly name: string;
  readonly version: string;
  readonly seed: number;
  readonly dataDir: string;
  readonly dataDigest: string;
  readonly used: DataFileUse[];
  readonly skipped: { readonly path: string; readonly reason: string }[];
  readonly synthetic: { readonly count: number; readonly length: number; readonly seed: number };
  readonly series: number;
  readonly points: number;
  readonly trainWindows: number;
  readonly validationWindows: number;
  readonly hyperparameters: TrainOptions & { window: number; hidden: number; parameters: number; loss: string; normalizerHalfLife: number };
  readonly history: EpochStats[];
  readonly bestEpoch: number;
  readonly validation: { readonly mse: number; readonly lastValueMse: number; readonly zeroMse: number };
}

export interface TrainingOutput {
  readonly onnx: Uint8Array;
  readonly model: LstmModel;
  readonly report: TrainingReport;
}

/** A version that names the weights: same weights, same version, no clock involved. */
export function versionOf(model: LstmModel): string {
  const f32 = Float32Array.from(model.theta);
  return `${MODEL_FORMAT}-${createHash('sha256').update(new Uint8Array(f32.buffer)).digest('hex').slice(0, 10)}`;
}

export async function runTraining(
  o: TrainingRunOptions,
  progress: Progress & { onData?(series: number, windows: number): void } = {},
): Promise<TrainingOutput> {
  const data = await loadTrainingData(o.dataDir);
  const syntheticSeed = (o.seed * 7919 + 17) >>> 0;
  const budget = { ...TRAINING, ...o.budget };
  const synthetic = generateSynthetic({ ...budget.synthetic, seed: syntheticSeed });
  const all = [...data.series.map((s) => s.values), ...synthetic.map((s) => s.values)];
  const rng = createRng(o.seed);
  const perSeries = (budget: number): number => Math.max(1, Math.ceil(budget / Math.max(1, all.length)));
  const set = buildWindowSet(
    all,
    {
      window: WINDOW,
      trainPerSeries: perSeries(budget.trainWindows),
      validationPerSeries: perSeries(budget.validationWindows),
      validationFraction: TRAINING.validationFraction,
    },
    rng,
  );
  progress.onData?.(all.length, set.train.length);
  const options: TrainOptions = {
    epochs: o.epochs,
    batchSize: TRAINING.batchSize,
    learningRate: TRAINING.learningRate,
    finalLearningRate: TRAINING.finalLearningRate,
  };
  const init = initModel({ window: WINDOW, hidden: HIDDEN }, rng);
  const result = await trainModel(init, set, options, rng, progress);
  const model = roundedToFloat32(result.model);
  const version = versionOf(model);
  const onnx = exportOnnx(model, { name: MODEL_NAME, version, normalizerHalfLife: NORMALIZER_HALF_LIFE });
  const val = evaluate(model, set, set.validation);
  const naive = naiveMse(set, set.validation);
  return {
    onnx,
    model,
    report: {
      name: MODEL_NAME,
      version,
      seed: o.seed,
      dataDir: o.dataDir,
      dataDigest: data.digest,
      used: data.used,
      skipped: data.skipped,
      synthetic: { ...budget.synthetic, seed: syntheticSeed },
      series: all.length,
      points: all.reduce((n, v) => n + v.length, 0),
      trainWindows: set.train.length,
      validationWindows: set.validation.length,
      hyperparameters: {
        ...options,
        window: WINDOW,
        hidden: HIDDEN,
        parameters: model.theta.length,
        loss: 'Huber (δ = 1, in normalised units)',
        normalizerHalfLife: NORMALIZER_HALF_LIFE,
      },
      history: result.history,
      bestEpoch: result.bestEpoch,
      validation: { mse: val.mse, lastValueMse: naive.lastValue, zeroMse: naive.zero },
    },
  };
}
