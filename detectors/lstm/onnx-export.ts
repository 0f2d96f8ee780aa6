// Writes the model as standard ONNX (IR 8, opset 17): LSTM (layout 0, input [W, batch, 1]) → Y_h
// [1, batch, H] → Squeeze(axes 0) → MatMul [H, 1] → Add [1] → output [batch, 1]. Encoding is a pure
// function of the weights and metadata (no timestamps), so the same training gives the same bytes.
import onnxProto from 'onnx-proto';
import type { LstmModel } from './params.ts';

const { onnx } = onnxProto;

export const INPUT_NAME = 'window';
export const OUTPUT_NAME = 'next';

export interface ModelMetadata {
  readonly name: string;
  readonly version: string;
  /** Normaliser half-life (points) the model was trained with. */
  readonly normalizerHalfLife: number;
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): onnxProto.onnx.ITensorProto {
  const f32 = Float32Array.from(values as ArrayLike<number>);
  return { name, dims, dataType: FLOAT, rawData: new Uint8Array(f32.buffer) };
}

function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  const i64 = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: INT64, rawData: new Uint8Array(i64.buffer) };
}

const intAttr = (name: string, i: number): onnxProto.onnx.IAttributeProto => ({ name, i, type: onnx.AttributeProto.AttributeType.INT });

/** The bytes of the .onnx file. */
export function exportOnnx(m: LstmModel, meta: ModelMetadata): Uint8Array {
  const { window: W, hidden: H, theta, layout } = m;
  const G = 4 * H;
  const bias = new Float64Array(2 * G); // [Wb, Rb]; all bias lives in Wb
  bias.set(theta.subarray(layout.b, layout.b + G), 0);
  const graph: onnxProto.onnx.IGraphProto = {
    name: meta.name,
    node: [
      {
        name: 'lstm',
        opType: 'LSTM',
        input: [INPUT_NAME, 'W', 'R', 'B'],
        output: ['', 'Y_h'],
        attribute: [intAttr('hidden_size', H), intAttr('layout', 0)],
      },
      { name: 'squeeze', opType: 'Squeeze', input: ['Y_h', 'squeeze_axes'], output: ['h_last'] },
      { name: 'head', opType: 'MatMul', input: ['h_last', 'head_w'], output: ['head_y'] },
      { name: 'head_bias', opType: 'Add', input: ['head_y', 'head_b'], output: [OUTPUT_NAME] },
    ],
    initializer: [
      floatTensor('W', [1, G, 1], theta.subarray(layout.wx, layout.wx + G)),
      floatTensor('R', [1, G, H], theta.subarray(layout.wh, layout.wh + G * H)),
      floatTensor('B', [1, 2 * G], bias),
      int64Tensor('squeeze_axes', [0]),
      floatTensor('head_w', [H, 1], theta.subarray(layout.wy, layout.wy + H)),
      floatTensor('head_b', [1], theta.subarray(layout.by, layout.by + 1)),
    ],
    input: [
      {
        name: INPUT_NAME,
        type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimValue: W }, { dimParam: 'batch' }, { dimValue: 1 }] } } },
      },
    ],
    output: [{ name: OUTPUT_NAME, type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 1 }] } } } }],
  };
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'vigil-train',
    graph,
    metadataProps: [
      { key: 'name', value: meta.name },
      { key: 'version', value: meta.version },
      { key: 'window', value: String(W) },
      { key: 'hidden', value: String(H) },
      { key: 'normalizer_half_life', value: String(meta.normalizerHalfLife) },
    ],
  });
  return onnx.ModelProto.encode(model).finish();
}
