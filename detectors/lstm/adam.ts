// Adam with global-norm gradient clipping, over the flat parameter vector.
export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** The gradient is rescaled when its L2 norm exceeds this (exploding gradients in BPTT). */
  readonly clipNorm: number;
}

export const DEFAULT_ADAM: AdamOptions = { learningRate: 3e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 };

export class Adam {
  readonly #m: Float64Array;
  readonly #v: Float64Array;
  #step = 0;
  readonly options: AdamOptions;

  constructor(size: number, options: AdamOptions = DEFAULT_ADAM) {
    this.#m = new Float64Array(size);
    this.#v = new Float64Array(size);
    this.options = options;
  }

  /** Applies one update with `grad` (already averaged over the batch); returns the pre-clip norm. */
  step(theta: Float64Array, grad: Float64Array, learningRate = this.options.learningRate): number {
    const { beta1, beta2, epsilon, clipNorm } = this.options;
    let norm2 = 0;
    for (let k = 0; k < grad.length; k++) norm2 += grad[k]! * grad[k]!;
    const norm = Math.sqrt(norm2);
    const scale = norm > clipNorm ? clipNorm / norm : 1;
    this.#step++;
    const c1 = 1 - Math.pow(beta1, this.#step);
    const c2 = 1 - Math.pow(beta2, this.#step);
    const m = this.#m;
    const v = this.#v;
    for (let k = 0; k < theta.length; k++) {
      const gk = grad[k]! * scale;
      const mk = beta1 * m[k]! + (1 - beta1) * gk;
      const vk = beta2 * v[k]! + (1 - beta2) * gk * gk;
      m[k] = mk;
      v[k] = vk;
      theta[k] = theta[k]! - (learningRate * (mk / c1)) / (Math.sqrt(vk / c2) + epsilon);
    }
    return norm;
  }
}
