// A unit-test double for the Predictor contract: predicts that the next normalised value equals the
// last one. Not a product feature: the pipeline's tests need a model whose output they can reason about.
import type { Predictor } from '../../predictor.ts';

export function lastValuePredictor(window = 8): Predictor & { calls: number; batches: number[] } {
  const p = {
    info: { name: 'last-value', version: 'test', sha256: '0'.repeat(64) },
    window,
    calls: 0,
    batches: [] as number[],
    async predict(input: Float32Array, batch: number, out: Float32Array): Promise<void> {
      p.calls++;
      p.batches.push(batch);
      for (let b = 0; b < batch; b++) out[b] = input[(window - 1) * batch + b]!;
    },
    async close(): Promise<void> {},
  };
  return p;
}
