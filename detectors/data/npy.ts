// A minimal reader of NumPy's .npy format (versions 1–3), enough for the tuning data: little-endian
// float32/float64/uint8/int64 arrays in C order. Anything else is a DataError, not a guess.
import { DataError } from './data-error.ts';

export interface NpyArray {
  readonly shape: readonly number[];
  /** Values as float64, C order (row-major). */
  readonly data: Float64Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(where: string, bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new DataError(where, 'not a .npy array (bad magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new DataError(where, 'malformed .npy header');
  if (fortran === 'True') throw new DataError(where, 'Fortran-ordered .npy arrays are not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const readers: Record<string, [number, (o: number) => number]> = {
    '<f4': [4, (o) => view.getFloat32(o, true)],
    '<f8': [8, (o) => view.getFloat64(o, true)],
    '|u1': [1, (o) => view.getUint8(o)],
    '<u1': [1, (o) => view.getUint8(o)],
    '|i1': [1, (o) => view.getInt8(o)],
    '<i4': [4, (o) => view.getInt32(o, true)],
    '<i8': [8, (o) => Number(view.getBigInt64(o, true))],
  };
  const reader = readers[descr];
  if (!reader) throw new DataError(where, `unsupported .npy dtype ${descr}`);
  const [size, read] = reader;
  if (offset + count * size > bytes.length) throw new DataError(where, `truncated .npy: shape (${shape.join(', ')}) needs ${count * size} bytes`);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = read(offset + i * size);
  return { shape, data };
}
