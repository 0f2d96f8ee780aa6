// Huber loss on the normalised prediction error. The training data is unlabelled production
// telemetry that still holds anomalies; with plain MSE a single ±10σ spike pulls the weights 100×
// harder than a normal point, so the model learns to chase spikes. Huber is quadratic for |e| ≤ δ
// (MSE on normal points) and linear beyond, so anomalies get a bounded vote.
const HUBER_DELTA = 1;

export function huber(e: number, delta = HUBER_DELTA): number {
  const a = Math.abs(e);
  return a <= delta ? 0.5 * e * e : delta * (a - 0.5 * delta);
}

/** d huber / d e. */
export function huberGrad(e: number, delta = HUBER_DELTA): number {
  return e > delta ? delta : e < -delta ? -delta : e;
}
