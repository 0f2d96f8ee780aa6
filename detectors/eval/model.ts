// The model for the offline commands: --model, else the shipped one; the same loader as the daemon.
import { loadOnnxPredictor } from '../lstm/onnx-predictor.ts';
import type { Predictor } from '../predictor.ts';
import { defaultModelPath } from '../scoring/model-path.ts';

export const loadCliModel = (model: string | undefined): Promise<Predictor> =>
  loadOnnxPredictor(model === undefined || model === '' ? defaultModelPath() : model);
