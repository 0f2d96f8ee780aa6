import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import type { Predictor } from '../predictor.ts';
import { readModelFile } from './model-file.ts';
import { exportOnnx } from './onnx-export.ts';
import { loadOnnxPredictor } from './onnx-predictor.ts';
import { initModel, roundedToFloat32 } from './params.ts';
import { createRng } from './prng.ts';
import { createTsPredictor } from './testing/ts-predictor.ts';

const { onnx } = onnxProto;

describe('ONNX export run by onnxruntime-node', () => {
  let dir: string;
  let path: string;
  let onnxPredictor: Predictor;
  const rng = createRng(42);
  const model = initModel({ window: 24, hidden: 12 }, rng);
  // Trained weights are far from the initialisation; spread them so every gate does real work.
  for (let k = 0; k < model.theta.length; k++) model.theta[k] = model.theta[k]! + 0.5 * rng.normal();
  const meta = { name: 'vigil-lstm-test', version: '0.0.1', normalizerHalfLife: 512 };
  const tsPredictor = createTsPredictor(roundedToFloat32(model), { name: 'ts', version: '0', sha256: '' });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-onnx-'));
    path = join(dir, 'model.onnx');
    await writeFile(path, exportOnnx(model, meta));
    onnxPredictor = await loadOnnxPredictor(path);
  });
  afterAll(async () => {
    await onnxPredictor.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 64])('equals the TypeScript forward pass within 1e-5 on random windows, batch %i', async (batch) => {
    for (let round = 0; round < 3; round++) {
      const input = Float32Array.from({ length: model.window * batch }, () => 2 * rng.normal());
      const fromOnnx = new Float32Array(batch);
      const fromTs = new Float32Array(batch);
      await onnxPredictor.predict(input, batch, fromOnnx);
      await tsPredictor.predict(input, batch, fromTs);
      let spread = 0;
      for (let b = 0; b < batch; b++) {
        expect(Math.abs(fromOnnx[b]! - fromTs[b]!), `window ${b}`).toBeLessThan(1e-5);
        spread = Math.max(spread, Math.abs(fromTs[b]! - fromTs[0]!));
      }
      if (batch > 1) expect(spread).toBeGreaterThan(1e-3); // the windows really produce different outputs
    }
  });

  it('reuses its tensors for the same input buffer yet sees the new values', async () => {
    const input = new Float32Array(model.window * 4);
    const a = new Float32Array(4);
    const b = new Float32Array(4);
    await onnxPredictor.predict(input, 4, a);
    input.fill(1.5);
    await onnxPredictor.predict(input, 4, b);
    expect(a[0]).not.toBeCloseTo(b[0]!, 4);
  });

  it('reports name, version and the sha256 of the file; the weights read back are the exported ones', async () => {
    const file = await readModelFile(path);
    expect(onnxPredictor.info).toEqual({ name: 'vigil-lstm-test', version: '0.0.1', sha256: file.sha256 });
    expect(file.metadata).toMatchObject({ window: '24', hidden: '12', normalizer_half_life: '512' });
    expect(onnxPredictor.window).toBe(24);
    expect(Array.from(file.lstm!.theta)).toEqual(Array.from(roundedToFloat32(model).theta));
  });

  it('encodes the same weights to the same bytes', () => {
    expect(Buffer.from(exportOnnx(model, meta)).equals(Buffer.from(exportOnnx(model, meta)))).toBe(true);
  });

  describe('a bad model file is a ModelError with the file and a reason, never a crash', () => {
    const cases: [string, (p: string) => Promise<void>][] = [
      ['missing', async () => {}],
      ['empty', (p) => writeFile(p, new Uint8Array())],
      ['corrupt', (p) => writeFile(p, Buffer.from('this is not protobuf at all \u0000\u00ff\u00fe'))],
      ['truncated', async (p) => writeFile(p, exportOnnx(model, meta).subarray(0, 300))],
      // Exported with a window of 0 steps: input [0, batch, 1] is not a usable shape.
      ['wrongly shaped', (p) => writeFile(p, exportOnnx({ ...model, window: 0 }, meta))],
      // A valid ONNX graph that wants 2 features per step: not the [window, batch, 1] contract.
      [
        'two input features',
        (p) => {
          const m = onnx.ModelProto.decode(exportOnnx(model, meta));
          m.graph!.input![0]!.type!.tensorType!.shape!.dim![2]!.dimValue = 2;
          return writeFile(p, onnx.ModelProto.encode(m).finish());
        },
      ],
      ['a directory', (p) => mkdir(p)],
    ];
    it.each(cases)('%s', async (label, write) => {
      const p = join(dir, `${label.replace(' ', '-')}.onnx`);
      await write(p);
      const err = await loadOnnxPredictor(p).then(
        () => undefined,
        (e: unknown) => e as { code: string; where: string; message: string },
      );
      expect(err?.code).toBe(ErrorCode.MODEL_INVALID);
      expect(err?.where).toBe(p);
      expect(err?.message).not.toContain('\n');
    });
  });
});
