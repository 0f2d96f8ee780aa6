import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counter, gauge } from '../../core/samples.ts';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { ErrorCode } from '../../core/errors.ts';
import { runCli } from '../../test/peers/agent.ts';
import { detectorOptions } from '../config.ts';
import { createDetectorStage } from '../detector-stage.ts';
import { loadOnnxPredictor } from '../lstm/onnx-predictor.ts';
import { writeTestModel, writeTestNpz } from '../eval/testing/test-model.ts';
import { detectCommand } from './detect.ts';

let dir: string;
let model: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-detect-'));
  model = path.join(dir, 'model.onnx');
  writeTestModel(model);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const series = (n: number, f: (i: number) => number): number[] => Array.from({ length: n }, (_, i) => f(i));
const wave = (i: number): number => 10 + Math.sin(i / 5) + 0.1 * Math.cos(i * 1.7);

function readScores(file: string): { header: string; rows: string[][] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header: header!, rows: lines.map((l) => l.split(',')) };
}

async function quiet<T>(f: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: await f(), stderr };
  } finally {
    process.stderr.write = write;
  }
}

describe('vigil detect', () => {
  it('writes timestamp,value,anomaly_score,raw_score,anomaly for every row of a tree, same relative paths, input order kept', async () => {
    const input = path.join(dir, 'tree');
    mkdirSync(path.join(input, 'sub'), { recursive: true });
    const values = series(300, wave);
    // Duplicate and backwards timestamps, and an empty value (a gap).
    const ts = values.map((_, i) => (i === 50 ? 49 : i === 120 ? 10 : i));
    const lines = values.map((v, i) => `${ts[i]},${i === 200 ? '' : v}`);
    writeFileSync(path.join(input, 'a.csv'), ['timestamp,value', ...lines].join('\n') + '\n');
    writeFileSync(path.join(input, 'sub', 'b.csv.gz'), gzipSync(['timestamp,value', ...lines.slice(0, 100)].join('\n')));
    // A headerless multi-column file: one output per column.
    writeFileSync(path.join(input, 'multi.csv'), values.map((v) => `${v},${2 * v},${v * v}`).join('\n'));
    const output = path.join(dir, 'out-tree');
    const { result } = await quiet(() => detectCommand({ input, output, model }));
    expect(result).toBe(0);

    const a = readScores(path.join(output, 'a.csv'));
    expect(a.header).toBe('timestamp,value,anomaly_score,raw_score,anomaly');
    for (const r of a.rows) {
      expect(Number(r[3]) >= 0 && Number(r[3]) <= 1).toBe(true);
      expect(['0', '1']).toContain(r[4]);
    }
    expect(a.rows).toHaveLength(300);
    expect(a.rows.map((r) => r[0])).toEqual(ts.map(String));
    expect(a.rows.map((r) => r[1])).toEqual(lines.map((l) => l.split(',')[1]));
    const scores = a.rows.map((r) => Number(r[2]));
    for (const s of scores) expect(s >= 0 && s <= 1).toBe(true);
    // Warm-up: the first window (16) + 100 calibration points score 0; later rows mostly do not.
    expect(scores.slice(0, 116).every((s) => s === 0)).toBe(true);
    expect(scores.slice(116).filter((s) => s > 0).length).toBeGreaterThan(100);
    expect(scores[200]).toBe(0);
    expect(readScores(path.join(output, 'sub', 'b.csv')).rows).toHaveLength(100);
    for (const col of ['col0', 'col1', 'col2']) expect(readScores(path.join(output, 'multi', `${col}.csv`)).rows).toHaveLength(300);
  });

  it('reads the tuning data multivariate .npz (test part): one output per dimension', async () => {
    const rows = 200;
    const dims = 3;
    const test = new Float32Array(rows * dims);
    for (let r = 0; r < rows; r++) for (let d = 0; d < dims; d++) test[r * dims + d] = wave(r + 10 * d);
    const input = path.join(dir, 'machine-1-1.npz');
    writeTestNpz(input, test, rows, dims, new Uint8Array(rows));
    const output = path.join(dir, 'out-npz');
    const { result } = await quiet(() => detectCommand({ input, output, model }));
    expect(result).toBe(0);
    for (let d = 0; d < dims; d++) {
      const out = readScores(path.join(output, 'machine-1-1', `dim0${d}.csv`));
      expect(out.rows).toHaveLength(rows);
      expect(Number(out.rows[7]![1])).toBeCloseTo(test[7 * dims + d]!, 5);
    }
  });

  it('a bad row names file and line; the bad file has no output, the other files are still scored', async () => {
    const input = path.join(dir, 'bad');
    mkdirSync(input, { recursive: true });
    writeFileSync(path.join(input, 'good.csv'), ['timestamp,value', ...Array.from({ length: 50 }, (_, i) => `${i},${wave(i)}`)].join('\n'));
    writeFileSync(path.join(input, 'nan.csv'), ['timestamp,value', '1,2', '2,3', '3,oops', '4,5'].join('\n'));
    writeFileSync(path.join(input, 'cols.csv'), ['timestamp,value', '1,2', '2,3,4'].join('\n'));
    const output = path.join(dir, 'out-bad');
    const { result, stderr } = await quiet(() => detectCommand({ input, output, model }));
    expect(result).toBe(2);
    expect(stderr).toContain(`${ErrorCode.CSV_INVALID} ${path.join(input, 'nan.csv')}:4:`);
    expect(stderr).toContain(`${ErrorCode.CSV_INVALID} ${path.join(input, 'cols.csv')}:3:`);
    expect(existsSync(path.join(output, 'nan.csv'))).toBe(false);
    expect(readScores(path.join(output, 'good.csv')).rows).toHaveLength(50);
  });

  it('a corrupt model is one clear error with its code, exit 2 (through the real CLI)', async () => {
    const bad = path.join(dir, 'corrupt.onnx');
    writeFileSync(bad, 'garbage');
    const input = path.join(dir, 'one.csv');
    writeFileSync(input, 'timestamp,value\n1,2\n');
    const r = await runCli(['detect', '--input', input, '--output', path.join(dir, 'out-corrupt'), '--model', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^${ErrorCode.MODEL_INVALID} ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it("scores exactly as the daemon's stage does (same Scorer, same model)", async () => {
    const values = series(400, (i) => 1 + 0.3 * Math.sin(i / 7) + (i === 350 ? 3 : 0));
    const input = path.join(dir, 'same.csv');
    writeFileSync(input, ['timestamp,value', ...values.map((v, i) => `${i},${v}`)].join('\n'));
    const output = path.join(dir, 'out-same');
    expect((await quiet(() => detectCommand({ input, output, model }))).result).toBe(0);
    const offlineRows = readScores(path.join(output, 'same.csv')).rows;
    const offline = offlineRows.map((r) => r[2]);

    const stateDir = path.join(dir, 'state-same');
    const ctx = {
      logger: pino({ level: 'silent' }),
      now: () => 0,
      paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
      signal: new AbortController().signal,
      stateDir,
      nodeName: 'n',
      externalUrl: 'http://n:1',
      meter: new MeterProvider().getMeter('t'),
      env: {},
    };
    const stage = createDetectorStage(detectorOptions.parse({ model }), ctx, { loadPredictor: loadOnnxPredictor });
    await stage.start(ctx.signal);
    const online: string[] = [];
    for (let i = 0; i < values.length; i++) {
      const out = await stage.score({
        timestamp: i * 10_000,
        samples: [gauge('node_load1', {}, values[i]!), counter('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, i)],
      });
      const a = out.anomalies.find((x) => x.metric === 'node_load1');
      online.push(a === undefined ? '0' : a.score === 0 ? '0' : a.score.toFixed(6));
    }
    await stage.stop();
    expect(online).toEqual(offline);
    // The spike starts an event: score at or above the threshold, anomaly 1.
    expect(Number(offline[350])).toBeGreaterThanOrEqual(detectorOptions.parse({}).threshold);
    expect(offlineRows[350]![4]).toBe('1');
  });
});
