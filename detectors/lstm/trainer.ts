// Mini-batch training: BPTT + Adam with gradient clipping, Huber loss, cosine learning-rate decay,
// and the weights of the epoch with the lowest validation loss kept (the last epochs may overfit).
// Everything random comes from a seeded generator, and Float64 arithmetic is evaluated in a fixed
// order, so the same data and seed give the same weights bit for bit.
import { Adam, DEFAULT_ADAM } from './adam.ts';
import { backwardWindow, newBackwardScratch } from './backward.ts';
import { forwardWindow, newForwardCache } from './forward.ts';
import { huber, huberGrad } from './loss.ts';
import { roundedToFloat32, type LstmModel } from './params.ts';
import { shuffle, type Rng } from './prng.ts';
import type { WindowSet } from './windows.ts';

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Learning rate at the end of the cosine decay. */
  readonly finalLearningRate: number;
  /** Keep the weights of the epoch with the lowest validation loss (default); false keeps the last epoch's. */
  readonly keepBest?: boolean;
}

export interface EpochStats {
  readonly epoch: number;
  /** Mean Huber loss over the epoch's training batches. */
  readonly trainLoss: number;
  /** Mean Huber loss on the validation windows (weights rounded to float32, as exported). */
  readonly validationLoss: number;
  /** Mean squared prediction error on the validation windows. */
  readonly validationMse: number;
}

export interface TrainResult {
  readonly model: LstmModel;
  readonly history: EpochStats[];
  /** 1-based epoch whose weights were kept (0: the initial weights were best). */
  readonly bestEpoch: number;
}

export interface Evaluation {
  readonly loss: number;
  readonly mse: number;
  readonly count: number;
}

/** Prediction error of a model over windows of a set (Huber and MSE), with float32-rounded weights. */
export function evaluate(model: LstmModel, set: WindowSet, starts: Int32Array): Evaluation {
  const m = roundedToFloat32(model);
  const cache = newForwardCache(m.window, m.hidden);
  let loss = 0;
  let se = 0;
  for (let n = 0; n < starts.length; n++) {
    const s = starts[n]!;
    const e = forwardWindow(m, set.z, s, 1, cache) - set.z[s + m.window]!;
    loss += huber(e);
    se += e * e;
  }
  const count = starts.length;
  return { loss: count ? loss / count : NaN, mse: count ? se / count : NaN, count };
}

/** Reference errors of two naive forecasts on the same windows: "same as last value" and "the mean (0)". */
export function naiveMse(set: WindowSet, starts: Int32Array): { lastValue: number; zero: number } {
  let last = 0;
  let zero = 0;
  for (let n = 0; n < starts.length; n++) {
    const s = starts[n]!;
    const y = set.z[s + set.window]!;
    const d = y - set.z[s + set.window - 1]!;
    last += d * d;
    zero += y * y;
  }
  return { lastValue: last / starts.length, zero: zero / starts.length };
}

export interface Progress {
  onBatch?(done: number, total: number, loss: number): void;
  onEpoch?(stats: EpochStats): void;
}

/** Async only to yield to the event loop every few batches, so a progress bar's timer can draw. */
export async function trainModel(init: LstmModel, set: WindowSet, o: TrainOptions, rng: Rng, progress: Progress = {}): Promise<TrainResult> {
  const model: LstmModel = { ...init, theta: Float64Array.from(init.theta) };
  const W = model.window;
  const adam = new Adam(model.theta.length, DEFAULT_ADAM);
  const cache = newForwardCache(W, model.hidden);
  const scratch = newBackwardScratch(model.hidden);
  const grad = new Float64Array(model.theta.length);
  const order = Int32Array.from(set.train);
  const batches = Math.ceil(order.length / o.batchSize);
  const totalSteps = batches * o.epochs;
  const history: EpochStats[] = [];
  let best = evaluate(model, set, set.validation);
  let bestTheta = Float64Array.from(model.theta);
  let bestEpoch = 0;
  let step = 0;
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    shuffle(order, rng);
    let epochLoss = 0;
    for (let batch = 0; batch < batches; batch++) {
      const from = batch * o.batchSize;
      const to = Math.min(order.length, from + o.batchSize);
      grad.fill(0);
      let batchLoss = 0;
      for (let n = from; n < to; n++) {
        const s = order[n]!;
        const e = forwardWindow(model, set.z, s, 1, cache) - set.z[s + W]!;
        batchLoss += huber(e);
        backwardWindow(model, set.z, s, 1, cache, huberGrad(e), grad, scratch);
      }
      const size = to - from;
      for (let k = 0; k < grad.length; k++) grad[k] = grad[k]! / size;
      const progressShare = step / Math.max(1, totalSteps);
      const lr = o.finalLearningRate + 0.5 * (o.learningRate - o.finalLearningRate) * (1 + Math.cos(Math.PI * progressShare));
      adam.step(model.theta, grad, lr);
      step++;
      epochLoss += batchLoss;
      if (progress.onBatch) {
        progress.onBatch(step, totalSteps, batchLoss / size);
        if (step % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const val = evaluate(model, set, set.validation);
    const stats: EpochStats = { epoch, trainLoss: epochLoss / Math.max(1, order.length), validationLoss: val.loss, validationMse: val.mse };
    history.push(stats);
    progress.onEpoch?.(stats);
    // With no validation windows (tiny data), keep the last weights.
    if (o.keepBest === false || set.validation.length === 0 || val.loss <= best.loss) {
      best = val;
      bestTheta = Float64Array.from(model.theta);
      bestEpoch = epoch;
    }
  }
  return { model: { ...model, theta: bestTheta }, history, bestEpoch };
}
