// .npz = a zip of .npy files. Only the entries asked for are inflated.
import { unzipSync } from 'fflate';
import { DataError } from './data-error.ts';
import { parseNpy, type NpyArray } from './npy.ts';

export function readNpz(where: string, bytes: Uint8Array, keys: readonly string[]): Map<string, NpyArray> {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter: (f) => keys.includes(f.name.replace(/\.npy$/, '')) });
  } catch (e) {
    throw new DataError(where, `not a readable .npz (${(e as Error).message})`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, data] of Object.entries(entries)) {
    const key = name.replace(/\.npy$/, '');
    out.set(key, parseNpy(`${where}:${name}`, data));
  }
  return out;
}

/** The columns of a T×D (or T) array, each as its own series. */
export function columnsOf(a: NpyArray): Float64Array[] {
  const [rows = 0, cols = 1] = a.shape;
  const out = Array.from({ length: cols }, () => new Float64Array(rows));
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c]![r] = a.data[r * cols + c]!;
  return out;
}
