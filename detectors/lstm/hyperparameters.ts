// The shipped model's architecture and training budget. W and H were chosen by measured latency
// (docs/detector-training.md): W=32, H=24 keeps 256 series well under 5 ms p99 on one thread.
export const MODEL_NAME = 'vigil-lstm';
/** Bumped when the model's inputs or meaning change (not for retraining). */
export const MODEL_FORMAT = 1;

export const WINDOW = 32;
export const HIDDEN = 24;

export const TRAINING = {
  epochs: 12,
  batchSize: 64,
  learningRate: 3e-3,
  finalLearningRate: 1e-4,
  /** Window budget: about this many training windows in total, spread evenly over the series. */
  trainWindows: 48_000,
  validationWindows: 8_000,
  /** The last 10% of every series is held out for validation. */
  validationFraction: 0.1,
  synthetic: { count: 256, length: 4096 },
} as const;

export const FINE_TUNING = {
  epochs: 3,
  batchSize: 32,
  learningRate: 5e-4,
  finalLearningRate: 1e-4,
  trainWindows: 12_000,
  validationWindows: 4_000,
  /** The most recent 20% of the node's history is held back to compare candidate and current model. */
  validationFraction: 0.2,
} as const;
