// Backpropagation through time for one window, accumulating into a gradient vector laid out like
// the parameters. Call right after forwardWindow on the same cache.
import type { ForwardCache } from './forward.ts';
import type { LstmModel } from './params.ts';

export interface BackwardScratch {
  readonly dh: Float64Array;
  readonly dc: Float64Array;
  readonly da: Float64Array;
}

export const newBackwardScratch = (hidden: number): BackwardScratch => ({
  dh: new Float64Array(hidden),
  dc: new Float64Array(hidden),
  da: new Float64Array(4 * hidden),
});

/** Adds dLoss/dθ to `grad`, given dLoss/dy for this window's prediction. */
export function backwardWindow(
  m: LstmModel,
  x: ArrayLike<number>,
  offset: number,
  stride: number,
  cache: ForwardCache,
  dy: number,
  grad: Float64Array,
  s: BackwardScratch,
): void {
  const { window: W, hidden: H, theta } = m;
  const { wx, wh, b, wy, by } = m.layout;
  const { i, o, f, g, c, tc, h } = cache;
  const { dh, dc, da } = s;
  const last = (W - 1) * H;
  grad[by] = grad[by]! + dy;
  for (let j = 0; j < H; j++) {
    grad[wy + j] = grad[wy + j]! + dy * h[last + j]!;
    dh[j] = dy * theta[wy + j]!;
    dc[j] = 0;
  }
  for (let t = W - 1; t >= 0; t--) {
    const cur = t * H;
    const prev = cur - H;
    for (let j = 0; j < H; j++) {
      const ij = i[cur + j]!;
      const oj = o[cur + j]!;
      const fj = f[cur + j]!;
      const gj = g[cur + j]!;
      const tcj = tc[cur + j]!;
      const dhj = dh[j]!;
      const dcj = dc[j]! + dhj * oj * (1 - tcj * tcj);
      const cPrev = t > 0 ? c[prev + j]! : 0;
      da[j] = dcj * gj * ij * (1 - ij);
      da[H + j] = dhj * tcj * oj * (1 - oj);
      da[2 * H + j] = dcj * cPrev * fj * (1 - fj);
      da[3 * H + j] = dcj * ij * (1 - gj * gj);
      dc[j] = dcj * fj;
    }
    const xt = x[offset + t * stride]!;
    for (let r = 0; r < 4 * H; r++) {
      const dar = da[r]!;
      grad[wx + r] = grad[wx + r]! + dar * xt;
      grad[b + r] = grad[b + r]! + dar;
    }
    if (t === 0) break;
    for (let k = 0; k < H; k++) dh[k] = 0;
    for (let r = 0; r < 4 * H; r++) {
      const dar = da[r]!;
      if (dar === 0) continue;
      const row = wh + r * H;
      for (let k = 0; k < H; k++) {
        grad[row + k] = grad[row + k]! + dar * h[prev + k]!;
        dh[k] = dh[k]! + theta[row + k]! * dar;
      }
    }
  }
}
