// The offline commands on the real formats of the tuning data (needs /work/shared/data/tuning, or
// VIGIL_TUNING_DATA; skipped when absent): quoted and unquoted timestamps, empty values, repeated
// timestamps, .npz test parts, JumpStarter's headerless gzip CSVs with labels beside them.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCommand } from '../cli/detect.ts';
import { defaultModelPath } from '../scoring/model-path.ts';
import { listSeriesFiles, openSeries } from './sources.ts';
import { writeTestModel } from './testing/test-model.ts';

const TUNING = process.env.VIGIL_TUNING_DATA ?? path.resolve(import.meta.dirname, '../../../shared/data/tuning');

describe.skipIf(!existsSync(TUNING))('tuning data formats (needs the tuning data)', () => {
  let dir: string;
  let model: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-tuning-'));
    model = defaultModelPath();
    if (!existsSync(model)) {
      model = path.join(dir, 'model.onnx');
      writeTestModel(model);
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('detect writes one row per input row for a file with empty values and repeated timestamps', async () => {
    const input = path.join(TUNING, 'ms_cloud_monitoring', 'application-crash-rate-1', 'app1-05.csv');
    const out = path.join(dir, 'out');
    const err = process.stderr.write.bind(process.stderr);
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(await detectCommand({ input, output: out, model })).toBe(0);
    } finally {
      process.stderr.write = err;
    }
    const inRows = readFileSync(input, 'utf8').trimEnd().split('\n').slice(1);
    const outRows = readFileSync(path.join(out, 'app1-05.csv'), 'utf8').trimEnd().split('\n').slice(1);
    expect(outRows).toHaveLength(inRows.length);
    expect(outRows.map((r) => r.split(',')[0])).toEqual(inRows.map((r) => r.split(',')[0]!.replace(/"/g, '')));
    expect(outRows.filter((r) => r.split(',')[1] === '').length).toBeGreaterThan(0);
  });

  it('lists test parts only and reads labels from .npz and from JumpStarter test_label files', async () => {
    const files = await listSeriesFiles(TUNING);
    const rels = files.map((f) => f.rel);
    expect(rels.some((r) => r.includes(`${path.sep}train${path.sep}`) || r.includes('test_label'))).toBe(false);
    expect(rels.filter((r) => r.startsWith('jumpstarter_ds2')).length).toBe(15);
    const js = await openSeries(files.find((f) => f.rel === path.join('jumpstarter_ds2', 'test', 'service0.csv.gz'))!);
    expect(js.columns).toHaveLength(19);
    expect(js.labelled).toBe(true);
    let rows = 0;
    let anomalous = 0;
    for await (const row of js.rows()) {
      rows++;
      anomalous += row.label;
    }
    const labels = gunzipSync(readFileSync(path.join(TUNING, 'jumpstarter_ds2', 'test_label', 'service0.csv.gz')))
      .toString()
      .trim()
      .split('\n');
    expect(rows).toBe(labels.length);
    expect(anomalous).toBe(labels.filter((l) => l.trim() === '1').length);
    const smd = await openSeries(files.find((f) => f.rel === path.join('smd', 'machine-1-6.npz'))!);
    expect(smd.columns).toHaveLength(38);
    let smdRows = 0;
    for await (const _ of smd.rows()) smdRows++;
    expect(smdRows).toBe(23689);
  });
});
