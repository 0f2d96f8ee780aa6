// Reads a Vigil model file back: validates the input/output shapes the Predictor contract needs,
// and, when the graph is our LSTM, recovers its weights (retraining starts from them). Every failure
// is a ModelError naming the file with a one-line reason, never an exception from protobuf.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import onnxProto from 'onnx-proto';
import { ErrorCode, type UserError } from '../../core/errors.ts';
import { INPUT_NAME, OUTPUT_NAME } from './onnx-export.ts';
import { layoutOf, type LstmModel } from './params.ts';

const { onnx } = onnxProto;

export class ModelError extends Error implements UserError {
  readonly code = ErrorCode.MODEL_INVALID;
  readonly where: string;
  constructor(where: string, reason: string) {
    super(reason);
    this.name = 'ModelError';
    this.where = where;
  }
}

export interface ModelFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly name: string;
  readonly version: string;
  readonly window: number;
  /** Metadata key → value (name, version, window, hidden, normalizer_half_life). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The LSTM's weights when the graph is Vigil's own LSTM layout; undefined for other graphs. */
  readonly lstm: LstmModel | undefined;
}

const dimsOf = (v: onnxProto.onnx.IValueInfoProto | undefined): (number | string)[] | undefined =>
  v?.type?.tensorType?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0)));

export async function readModelFile(path: string): Promise<ModelFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelError(path, code === 'ENOENT' ? 'model file does not exist' : `model file cannot be read (${code ?? 'error'})`);
  }
  return parseModel(path, bytes);
}

export function parseModel(path: string, bytes: Uint8Array): ModelFile {
  let model: onnxProto.onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelError(path, `not an ONNX model (${(e as Error).message.split('\n')[0]})`);
  }
  const graph = model.graph;
  if (!graph || !graph.node?.length) throw new ModelError(path, 'not an ONNX model (no graph)');
  const initializers = graph.initializer ?? [];
  const outputs = graph.output ?? [];
  const inputs = (graph.input ?? []).filter((i) => !initializers.some((t) => t.name === i.name));
  if (inputs.length !== 1) throw new ModelError(path, `expected 1 input, found ${inputs.length}`);
  const inDims = dimsOf(inputs[0]);
  const window = inDims?.[0];
  if (inDims?.length !== 3 || typeof window !== 'number' || window < 1 || inDims[2] !== 1) {
    throw new ModelError(path, `input must be [window, batch, 1] with a fixed window, found [${inDims?.join(', ') ?? ''}]`);
  }
  if (outputs.length !== 1) throw new ModelError(path, `expected 1 output, found ${outputs.length}`);
  const outDims = dimsOf(outputs[0]);
  if (outDims?.length !== 2 || outDims[1] !== 1) throw new ModelError(path, `output must be [batch, 1], found [${outDims?.join(', ') ?? ''}]`);
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps) if (p.key) metadata[p.key] = p.value ?? '';
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    path,
    bytes,
    sha256,
    name: metadata.name || 'unnamed',
    version: metadata.version || 'unknown',
    window,
    metadata,
    lstm: inputs[0]?.name === INPUT_NAME && outputs[0]?.name === OUTPUT_NAME ? lstmWeights(path, graph, window) : undefined,
  };
}

function floats(path: string, graph: onnxProto.onnx.IGraphProto, name: string, length: number): Float32Array {
  const t = graph.initializer?.find((x) => x.name === name);
  if (!t) throw new ModelError(path, `initializer ${name} is missing`);
  let out: Float32Array;
  if (t.rawData && t.rawData.length) {
    // Copy: rawData may be an unaligned view into the file buffer.
    out = new Float32Array(new Uint8Array(t.rawData).buffer);
  } else out = Float32Array.from(t.floatData ?? []);
  if (out.length !== length) throw new ModelError(path, `initializer ${name} has ${out.length} values, expected ${length}`);
  return out;
}

function lstmWeights(path: string, graph: onnxProto.onnx.IGraphProto, window: number): LstmModel | undefined {
  const node = graph.node?.find((n) => n.opType === 'LSTM');
  const hiddenAttr = node?.attribute?.find((a) => a.name === 'hidden_size');
  if (!node || !hiddenAttr) return undefined;
  const H = Number(hiddenAttr.i);
  if (!Number.isInteger(H) || H < 1) throw new ModelError(path, `LSTM hidden_size ${H} is invalid`);
  const G = 4 * H;
  const layout = layoutOf(H);
  const theta = new Float64Array(layout.size);
  theta.set(floats(path, graph, 'W', G), layout.wx);
  theta.set(floats(path, graph, 'R', G * H), layout.wh);
  const b = floats(path, graph, 'B', 2 * G);
  for (let r = 0; r < G; r++) theta[layout.b + r] = b[r]! + b[G + r]!;
  theta.set(floats(path, graph, 'head_w', H), layout.wy);
  theta.set(floats(path, graph, 'head_b', 1), layout.by);
  return { window, hidden: H, layout, theta };
}
