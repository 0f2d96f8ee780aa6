// Test fixtures: a small untrained LSTM written as a real ONNX file (through part of the product's
// own export), so that the offline commands run onnxruntime-node exactly as they do with the shipped
// model. Its predictions are arbitrary; tests that use it check plumbing, not detection quality.
import { writeFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { exportOnnx } from '../../lstm/onnx-export.ts';
import { initModel } from '../../lstm/params.ts';
import { createRng } from '../../lstm/prng.ts';

export function writeTestModel(file: string, window = 16, hidden = 8): void {
  const model = initModel({ window, hidden }, createRng(7));
  writeFileSync(file, exportOnnx(model, { name: 'vigil-lstm-test', version: '0.0.0-test', normalizerHalfLife: 512 }));
}

/** A .npy (v1, little-endian) of a float32 T×D or uint8 T array. */
function npy(data: Float32Array | Uint8Array, shape: readonly number[]): Uint8Array {
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** An .npz in the tuning data's layout: train and test (T×D float32), test_label (T uint8). */
export function writeTestNpz(file: string, test: Float32Array, rows: number, dims: number, labels: Uint8Array): void {
  writeFileSync(
    file,
    zipSync({
      'train.npy': npy(test, [rows, dims]),
      'test.npy': npy(test, [rows, dims]),
      'test_label.npy': npy(labels, [rows]),
    }),
  );
}
