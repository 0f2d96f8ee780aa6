// The LSTM forward pass in Float64, shared by the trainer (which keeps the per-step activations for
// BPTT) and the TypeScript predictor. Same equations as ONNX's LSTM (default activations, no peepholes):
//   i,o,f = σ(W x + R h + b), c̃ = tanh(W x + R h + b), c = f⊙c + i⊙c̃, h = o⊙tanh(c); y = wy·h_W + by.
import type { LstmModel } from './params.ts';

/** Per-step activations of one window, [W × H] each; reused across windows to avoid allocation. */
export interface ForwardCache {
  readonly i: Float64Array;
  readonly o: Float64Array;
  readonly f: Float64Array;
  readonly g: Float64Array;
  readonly c: Float64Array;
  readonly tc: Float64Array;
  readonly h: Float64Array;
  /** Pre-activation scratch [4H]. */
  readonly a: Float64Array;
}

export function newForwardCache(window: number, hidden: number): ForwardCache {
  const n = window * hidden;
  return {
    i: new Float64Array(n),
    o: new Float64Array(n),
    f: new Float64Array(n),
    g: new Float64Array(n),
    c: new Float64Array(n),
    tc: new Float64Array(n),
    h: new Float64Array(n),
    a: new Float64Array(4 * hidden),
  };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * Runs one window x[offset + t*stride], t = 0..W-1, filling `cache`; returns the prediction.
 * The stride lets the predictor read a time-major batch without copying.
 */
export function forwardWindow(m: LstmModel, x: ArrayLike<number>, offset: number, stride: number, cache: ForwardCache): number {
  const { window: W, hidden: H, theta } = m;
  const { wx, wh, b, wy, by } = m.layout;
  const { i, o, f, g, c, tc, h, a } = cache;
  for (let t = 0; t < W; t++) {
    const xt = x[offset + t * stride]!;
    const cur = t * H;
    const prev = cur - H;
    for (let r = 0; r < 4 * H; r++) {
      let s = theta[wx + r]! * xt + theta[b + r]!;
      if (t > 0) {
        const row = wh + r * H;
        for (let k = 0; k < H; k++) s += theta[row + k]! * h[prev + k]!;
      }
      a[r] = s;
    }
    for (let j = 0; j < H; j++) {
      const ij = sigmoid(a[j]!);
      const oj = sigmoid(a[H + j]!);
      const fj = sigmoid(a[2 * H + j]!);
      const gj = Math.tanh(a[3 * H + j]!);
      const cj = (t > 0 ? fj * c[prev + j]! : 0) + ij * gj;
      const tcj = Math.tanh(cj);
      i[cur + j] = ij;
      o[cur + j] = oj;
      f[cur + j] = fj;
      g[cur + j] = gj;
      c[cur + j] = cj;
      tc[cur + j] = tcj;
      h[cur + j] = oj * tcj;
    }
  }
  let y = theta[by]!;
  const last = (W - 1) * H;
  for (let j = 0; j < H; j++) y += theta[wy + j]! * h[last + j]!;
  return y;
}
