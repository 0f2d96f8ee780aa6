import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { parseCsv } from './csv.ts';
import { parseNpy } from './npy.ts';
import { columnsOf, readNpz } from './npz.ts';
import { generateSynthetic } from './synthetic.ts';
import { loadTrainingData } from './training-data.ts';

const here = import.meta.dirname;
const TUNING = join(here, '../../../shared/data/tuning');

/** An .npy v1.0 file exactly as numpy.save lays it out (header padded to a multiple of 64). */
function npyBytes(descr: string, shape: number[], payload: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(payload, 10 + header.length);
  return out;
}

describe('npy / npz', () => {
  it('reads a float32 T×D array in C order and splits it into column series', () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const a = parseNpy('x.npy', npyBytes('<f4', [3, 2], new Uint8Array(values.buffer)));
    expect(a.shape).toEqual([3, 2]);
    expect(columnsOf(a).map((c) => Array.from(c))).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
  });

  it('reads only the requested entries of an .npz', () => {
    const train = npyBytes('<f8', [2], new Uint8Array(Float64Array.from([0.5, 0.25]).buffer));
    const labels = npyBytes('|u1', [2], Uint8Array.from([0, 1]));
    const npz = readNpz('m.npz', zipSync({ 'train.npy': train, 'test_label.npy': labels }), ['train']);
    expect([...npz.keys()]).toEqual(['train']);
    expect(Array.from(npz.get('train')!.data)).toEqual([0.5, 0.25]);
  });

  it('rejects truncated or unsupported arrays with a data error', () => {
    const ok = npyBytes('<f4', [4], new Uint8Array(16));
    expect(() => parseNpy('t.npy', ok.subarray(0, ok.length - 4))).toThrow(expect.objectContaining({ code: ErrorCode.TRAIN_DATA_INVALID }));
    expect(() => parseNpy('t.npy', npyBytes('<c8', [1], new Uint8Array(8)))).toThrow(expect.objectContaining({ code: ErrorCode.TRAIN_DATA_INVALID }));
    expect(() => readNpz('z.npz', Uint8Array.from([1, 2, 3]), ['train'])).toThrow(
      expect.objectContaining({ code: ErrorCode.TRAIN_DATA_INVALID, where: 'z.npz' }),
    );
  });

  describe.skipIf(!existsSync(TUNING))('on the tuning data (needs /work/shared/data/tuning)', () => {
    it('reads SMD machine-1-6: 23688 train rows × 38 metrics scaled to [0,1]', async () => {
      const npz = readNpz('machine-1-6.npz', await readFile(join(TUNING, 'smd/machine-1-6.npz')), ['train', 'test_label']);
      expect(npz.get('train')!.shape).toEqual([23688, 38]);
      expect(npz.get('test_label')!.shape).toEqual([23689]);
      const d = npz.get('train')!.data;
      expect(Math.min(...d.subarray(0, 38 * 1000))).toBeGreaterThanOrEqual(0);
      expect(Math.max(...d.subarray(0, 38 * 1000))).toBeLessThanOrEqual(1);
    });
  });
});

describe('CSV', () => {
  it('reads timestamp,value with gaps as NaN and quoted cells; flags a label column', () => {
    const c = parseCsv('a.csv', 'TimeStamp,Value,Label\n"2018-01-01 00:00:00","1.5","0"\n"2018-01-01 01:00:00",,0\n');
    expect(c.labelled).toBe(true);
    expect(Array.from(c.series[0]!.values)).toEqual([1.5, NaN]);
  });

  it('reads headerless multi-column files as one series per column', () => {
    const c = parseCsv('s.csv', '1,2\n3,4\n');
    expect(c.series.map((s) => Array.from(s.values))).toEqual([
      [1, 3],
      [2, 4],
    ]);
  });

  it('names file and line of a bad row', () => {
    expect(() => parseCsv('x.csv', 'timestamp,value\n1,2\n2,abc\n')).toThrow(expect.objectContaining({ code: ErrorCode.TRAIN_DATA_INVALID, where: 'x.csv:3' }));
    expect(() => parseCsv('x.csv', 'time,v\n1,2\n')).toThrow(expect.objectContaining({ where: 'x.csv:1' }));
    expect(() => parseCsv('y.csv', '1,2\n3\n')).toThrow(expect.objectContaining({ where: 'y.csv:2' }));
  });
});

describe('training data directory', () => {
  it('trains on unlabelled series and train parts only; lists what it skipped', async () => {
    const d = await loadTrainingData(join(here, 'testdata/tree'));
    expect(d.used.map((u) => u.path)).toEqual(['host-a.csv', join('host-b', 'disk.csv'), join('jump', 'train', 'service0.csv.gz')]);
    expect(d.skipped).toEqual([
      { path: join('jump', 'test', 'service0.csv.gz'), reason: 'test part (kept for evaluation)' },
      { path: 'labelled.csv', reason: 'labelled (evaluation data)' },
    ]);
    expect(d.series.map((s) => [s.source, s.values.length])).toEqual([
      ['host-a.csv', 600],
      [join('host-b', 'disk.csv'), 500],
      [`${join('jump', 'train', 'service0.csv.gz')}#col0`, 400],
      [`${join('jump', 'train', 'service0.csv.gz')}#col1`, 400],
      [`${join('jump', 'train', 'service0.csv.gz')}#col2`, 400],
    ]);
    expect(Number.isNaN(d.series[0]!.values[100])).toBe(true);
    expect(d.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reports a bad CSV row with its file and line', async () => {
    await expect(loadTrainingData(join(here, 'testdata/bad'))).rejects.toMatchObject({
      code: ErrorCode.TRAIN_DATA_INVALID,
      where: join(here, 'testdata/bad/broken.csv:4'),
    });
  });
});

describe('synthetic series', () => {
  it('is the same for a seed and different across seeds', () => {
    const a = generateSynthetic({ count: 4, length: 500, seed: 9 });
    const b = generateSynthetic({ count: 4, length: 500, seed: 9 });
    const c = generateSynthetic({ count: 4, length: 500, seed: 10 });
    expect(a.map((s) => Array.from(s.values))).toEqual(b.map((s) => Array.from(s.values)));
    expect(Array.from(a[0]!.values)).not.toEqual(Array.from(c[0]!.values));
  });

  it('covers the shapes it promises: labelled anomalies, bounded ratios, varied scales', () => {
    const set = generateSynthetic({ count: 200, length: 3000, seed: 1 });
    expect(set.every((s) => s.values.every(Number.isFinite))).toBe(true);
    const labelled = set.filter((s) => s.labels.some((l) => l === 1)).length;
    expect(labelled).toBeGreaterThan(50);
    expect(labelled).toBeLessThan(200);
    const ratios = set.filter((s) => s.values.every((v) => v >= 0 && v <= 1)).length;
    expect(ratios).toBeGreaterThan(10);
    const big = set.filter((s) => Math.abs(s.values[0]!) > 1000).length;
    expect(big).toBeGreaterThan(20);
  });
});
