import { describe, expect, it } from 'vitest';
import { backwardWindow, newBackwardScratch } from './backward.ts';
import { forwardWindow, newForwardCache } from './forward.ts';
import { huber, huberGrad } from './loss.ts';
import { PARAMETER_GROUPS, groupRange, initModel, type LstmModel } from './params.ts';
import { createRng } from './prng.ts';

// Loss over a few windows, as the trainer computes it (Huber on the prediction error).
function lossOf(m: LstmModel, xs: Float64Array, targets: number[]): number {
  const cache = newForwardCache(m.window, m.hidden);
  let l = 0;
  targets.forEach((y, n) => (l += huber(forwardWindow(m, xs, n * m.window, 1, cache) - y)));
  return l;
}

function analyticGradient(m: LstmModel, xs: Float64Array, targets: number[]): Float64Array {
  const cache = newForwardCache(m.window, m.hidden);
  const scratch = newBackwardScratch(m.hidden);
  const grad = new Float64Array(m.theta.length);
  targets.forEach((y, n) => {
    const p = forwardWindow(m, xs, n * m.window, 1, cache);
    backwardWindow(m, xs, n * m.window, 1, cache, huberGrad(p - y), grad, scratch);
  });
  return grad;
}

describe('BPTT gradient', () => {
  const rng = createRng(7);
  const m = initModel({ window: 6, hidden: 4 }, rng);
  // Perturb biases too, so no group sits at a special point (zeros) where errors could hide.
  for (let k = 0; k < m.theta.length; k++) m.theta[k] = m.theta[k]! + 0.3 * rng.normal();
  const xs = Float64Array.from({ length: 3 * m.window }, () => rng.normal());
  // Targets within the Huber quadratic zone for two windows, outside for the third.
  const preds = [0, 1, 2].map((n) => forwardWindow(m, xs, n * m.window, 1, newForwardCache(m.window, m.hidden)));
  const targets = [preds[0]! + 0.4, preds[1]! - 0.7, preds[2]! + 3];
  const grad = analyticGradient(m, xs, targets);

  it.each(PARAMETER_GROUPS)('matches central finite differences for every parameter of group %s', (group) => {
    const [from, to] = groupRange(m.layout, group);
    const eps = 1e-6;
    for (let k = from; k < to; k++) {
      const saved = m.theta[k]!;
      m.theta[k] = saved + eps;
      const up = lossOf(m, xs, targets);
      m.theta[k] = saved - eps;
      const down = lossOf(m, xs, targets);
      m.theta[k] = saved;
      const numeric = (up - down) / (2 * eps);
      const scale = Math.max(1e-4, Math.abs(numeric) + Math.abs(grad[k]!));
      expect(Math.abs(numeric - grad[k]!) / scale, `θ[${k}] numeric ${numeric} analytic ${grad[k]}`).toBeLessThan(1e-5);
    }
    // The group actually receives gradient (a zero gradient everywhere would pass the check trivially).
    expect(Math.max(...Array.from(grad.subarray(from, to), Math.abs))).toBeGreaterThan(1e-4);
  });
});
