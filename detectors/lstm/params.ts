// The LSTM's parameters in one flat Float64Array, in ONNX's gate order (i, o, f, c) so export is a
// copy. One input feature (the normalised value), hidden size H, a linear head on the last hidden
// state. A flat vector keeps Adam, clipping and the gradient check one loop each.
import type { Rng } from './prng.ts';

export interface LstmShape {
  /** Steps per window. */
  readonly window: number;
  readonly hidden: number;
}

/** Offsets of each parameter group in the flat vector. Gate rows are r = g*H + j, g ∈ {i,o,f,c}. */
export interface LstmLayout {
  /** Input weights W: [4H] (input size 1). */
  readonly wx: number;
  /** Recurrent weights R: [4H × H], row-major (row r, column k). */
  readonly wh: number;
  /** Gate biases (ONNX Wb; Rb is exported as zeros): [4H]. */
  readonly b: number;
  /** Head weights: [H]. */
  readonly wy: number;
  /** Head bias: [1]. */
  readonly by: number;
  readonly size: number;
}

export function layoutOf(hidden: number): LstmLayout {
  const g = 4 * hidden;
  const wx = 0;
  const wh = wx + g;
  const b = wh + g * hidden;
  const wy = b + g;
  const by = wy + hidden;
  return { wx, wh, b, wy, by, size: by + 1 };
}

export interface LstmModel extends LstmShape {
  readonly layout: LstmLayout;
  readonly theta: Float64Array;
}

export const PARAMETER_GROUPS = ['wx', 'wh', 'b', 'wy', 'by'] as const;
export type ParameterGroup = (typeof PARAMETER_GROUPS)[number];

export function groupRange(layout: LstmLayout, group: ParameterGroup): [number, number] {
  const ends: Record<ParameterGroup, number> = { wx: layout.wh, wh: layout.b, b: layout.wy, wy: layout.by, by: layout.size };
  return [layout[group], ends[group]];
}

/**
 * Glorot-uniform weights, zero biases except the forget gate's (+1: the usual trick so early
 * training does not forget everything), from a seeded generator.
 */
export function initModel(shape: LstmShape, rng: Rng): LstmModel {
  const { hidden: H } = shape;
  const layout = layoutOf(H);
  const theta = new Float64Array(layout.size);
  const uniform = (fanIn: number, fanOut: number): number => (2 * rng.next() - 1) * Math.sqrt(6 / (fanIn + fanOut));
  for (let r = 0; r < 4 * H; r++) theta[layout.wx + r] = uniform(1, H);
  for (let i = 0; i < 4 * H * H; i++) theta[layout.wh + i] = uniform(H, H);
  for (let j = 0; j < H; j++) theta[layout.b + 2 * H + j] = 1;
  for (let j = 0; j < H; j++) theta[layout.wy + j] = uniform(H, 1);
  return { ...shape, layout, theta };
}

/** The model with every parameter rounded to float32, as it is once exported. */
export function roundedToFloat32(m: LstmModel): LstmModel {
  return { ...m, theta: Float64Array.from(Float32Array.from(m.theta)) };
}
