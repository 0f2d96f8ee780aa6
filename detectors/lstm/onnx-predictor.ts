// The daemon's predictor: one onnxruntime-node session, one run per tick for every series.
// Threads: one intra-op and one inter-op thread, sequential. The agent shares a small node with the
// workloads it watches; at these sizes (W·4H² ≈ 50k MACs per series) a second thread buys less than
// its synchronisation costs (measured: see docs/detector-training.md).
import * as ort from 'onnxruntime-node';
import type { Predictor } from '../predictor.ts';
import { ModelError, parseModel, readModelFile, type ModelFile } from './model-file.ts';
import { INPUT_NAME } from './onnx-export.ts';

export const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

/** Loads and checks a model; a missing, corrupt or wrongly shaped file rejects with a ModelError. */
export async function loadOnnxPredictor(path: string, options: ort.InferenceSession.SessionOptions = SESSION_OPTIONS): Promise<Predictor> {
  return predictorFor(await readModelFile(path), options);
}

export async function loadOnnxPredictorFromBytes(path: string, bytes: Uint8Array, options = SESSION_OPTIONS): Promise<Predictor> {
  return predictorFor(parseModel(path, bytes), options);
}

async function predictorFor(file: ModelFile, options: ort.InferenceSession.SessionOptions): Promise<Predictor> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file.bytes, options);
  } catch (e) {
    throw new ModelError(file.path, `onnxruntime rejected the model (${(e as Error).message.split('\n')[0]})`);
  }
  const outputName = session.outputNames[0]!;
  const window = file.window;
  // Tensors are rebuilt only when the number of series changes; ORT writes into the preallocated output.
  let batchSize = -1;
  let lastInput: Float32Array | undefined;
  let inputTensor: ort.Tensor | undefined;
  let outputTensor: ort.Tensor | undefined;
  let feeds: Record<string, ort.Tensor> = {};
  let fetches: Record<string, ort.Tensor> = {};
  return {
    info: { name: file.name, version: file.version, sha256: file.sha256 },
    window,
    async predict(input, batch, out) {
      if (batch === 0) return;
      if (input.length < window * batch) throw new RangeError(`input holds ${input.length} values, need ${window * batch}`);
      if (batch !== batchSize || input !== lastInput) {
        lastInput = input;
        inputTensor = new ort.Tensor('float32', input.length === window * batch ? input : input.subarray(0, window * batch), [window, batch, 1]);
        if (batch !== batchSize) outputTensor = new ort.Tensor('float32', new Float32Array(batch), [batch, 1]);
        batchSize = batch;
        feeds = { [INPUT_NAME === session.inputNames[0] ? INPUT_NAME : session.inputNames[0]!]: inputTensor };
        fetches = { [outputName]: outputTensor! };
      }
      const result = await session.run(feeds, fetches);
      const y = result[outputName]!.data as Float32Array;
      for (let b = 0; b < batch; b++) out[b] = y[b]!;
    },
    close: () => session.release(),
  };
}
