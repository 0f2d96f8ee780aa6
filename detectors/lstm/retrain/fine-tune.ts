// Fine-tuning on the node's own history, and the comparison that decides the swap. Pure
// computation (runs inside the worker thread): the current model's weights and the history in,
// a candidate and both models' validation errors out.
import { NORMALIZER_HALF_LIFE } from '../../scoring/normalizer.ts';
import { parseModel } from '../model-file.ts';
import { exportOnnx } from '../onnx-export.ts';
import { roundedToFloat32 } from '../params.ts';
import { createRng } from '../prng.ts';
import { evaluate, trainModel } from '../trainer.ts';
import { versionOf } from '../training-run.ts';
import { buildWindowSet } from '../windows.ts';

export interface FineTuneSettings {
  readonly epochs: number;
  readonly learningRate: number;
  readonly finalLearningRate: number;
  readonly batchSize: number;
  readonly trainWindows: number;
  readonly validationWindows: number;
  readonly validationFraction: number;
}

export interface FineTuneRequest {
  readonly modelPath: string;
  readonly modelBytes: Uint8Array;
  /** Raw values per series, oldest first. */
  readonly history: readonly ArrayLike<number>[];
  readonly settings: FineTuneSettings;
  readonly seed: number;
}

export type FineTuneResult =
  | { readonly kind: 'skipped'; readonly reason: string }
  | {
      readonly kind: 'compared';
      /** The candidate's .onnx bytes. */
      readonly candidate: Uint8Array;
      readonly version: string;
      readonly currentMse: number;
      readonly candidateMse: number;
      readonly trainWindows: number;
      readonly validationWindows: number;
    };

export async function fineTune(req: FineTuneRequest): Promise<FineTuneResult> {
  const current = parseModel(req.modelPath, req.modelBytes);
  if (!current.lstm) throw new Error(`${req.modelPath} is not a Vigil LSTM graph; it cannot be fine-tuned`);
  const s = req.settings;
  const rng = createRng(req.seed);
  const perSeries = (budget: number): number => Math.max(1, Math.ceil(budget / Math.max(1, req.history.length)));
  const set = buildWindowSet(
    req.history,
    {
      window: current.window,
      trainPerSeries: perSeries(s.trainWindows),
      validationPerSeries: perSeries(s.validationWindows),
      validationFraction: s.validationFraction,
    },
    rng,
  );
  if (set.train.length < s.batchSize || set.validation.length === 0) {
    return { kind: 'skipped', reason: `not enough history (${set.train.length} training and ${set.validation.length} validation windows)` };
  }
  // The last epoch's weights, not the best: the held-back data judges the candidate once, below.
  const result = await trainModel(current.lstm, set, { ...s, keepBest: false }, rng);
  const candidate = roundedToFloat32(result.model);
  const version = versionOf(candidate);
  const name = current.name === 'unnamed' ? 'vigil-lstm' : current.name;
  const halfLife = Number(current.metadata.normalizer_half_life) || NORMALIZER_HALF_LIFE;
  return {
    kind: 'compared',
    candidate: exportOnnx(candidate, { name, version, normalizerHalfLife: halfLife }),
    version,
    currentMse: evaluate(current.lstm, set, set.validation).mse,
    candidateMse: evaluate(candidate, set, set.validation).mse,
    trainWindows: set.train.length,
    validationWindows: set.validation.length,
  };
}
