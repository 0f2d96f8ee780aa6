import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { writeTestModel, writeTestNpz } from '../eval/testing/test-model.ts';
import { evalCommand } from './eval.ts';

let dir: string;
let model: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-eval-'));
  model = path.join(dir, 'model.onnx');
  writeTestModel(model);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(opts: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  let stdout = '';
  let stderr = '';
  process.stdout.write = ((c: string | Uint8Array) => ((stdout += String(c)), true)) as typeof process.stdout.write;
  process.stderr.write = ((c: string | Uint8Array) => ((stderr += String(c)), true)) as typeof process.stderr.write;
  try {
    return { code: await evalCommand(opts), stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

const wave = (i: number): number => 10 + Math.sin(i / 5) + 0.1 * Math.cos(i * 1.7);
/** Calm series with big spikes at `spikes`. */
const withSpikes = (n: number, spikes: number[]): number[] => Array.from({ length: n }, (_, i) => wave(i) + (spikes.includes(i) ? 25 : 0));

function overallRow(stdout: string): string[] {
  const line = stdout.split('\n').find((l) => l.startsWith('[overall]'))!;
  return line.trim().split(/\s+/);
}

describe('vigil eval', () => {
  it('with the labels inside the data (a Label column): a spike in a window is found, one outside is one false event', async () => {
    const input = path.join(dir, 'labelled');
    mkdirSync(input);
    const v = withSpikes(500, [300, 420]);
    // Window 295..305 holds the spike at 300; the spike at 420 is outside every window.
    const rows = v.map(
      (x, i) => `2026-01-01 ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00,${x},${i >= 295 && i <= 305 ? 1 : 0}`,
    );
    writeFileSync(path.join(input, 's.csv'), ['TimeStamp,Value,Label', ...rows].join('\n'));
    const r = await run({ input, labels: input, model });
    expect(r.code).toBe(0);
    const [, windowScore, windows, found, falseEvents, , recall] = overallRow(r.stdout);
    expect(Number(windowScore)).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/Windowed early-detection score .*: [\d.]+ at threshold [\d.]+; best single threshold [\d.]+: [\d.]+\./);
    expect(windows).toBe('1');
    expect(found).toBe('1');
    expect(Number(falseEvents)).toBeGreaterThanOrEqual(1);
    expect(recall).toBe('1.000');
    expect(r.stdout).toContain('PA-F1 (inflated)');
  });

  it('with a labels file (file,start,end in the file timestamp units) and an .npz (a machine alarms when its metrics agree)', async () => {
    const input = path.join(dir, 'tree');
    mkdirSync(path.join(input, 'setA'), { recursive: true });
    writeFileSync(path.join(input, 'setA', 'x.csv'), ['timestamp,value', ...withSpikes(400, [350]).map((x, i) => `${1000 + i},${x}`)].join('\n'));
    const rows = 400;
    const test = new Float32Array(rows * 2);
    for (let r = 0; r < rows; r++) {
      test[r * 2] = wave(r) + (r === 380 ? 30 : 0);
      test[r * 2 + 1] = wave(r + 3) + (r === 380 ? 30 : 0);
    }
    const labels = new Uint8Array(rows);
    labels.fill(1, 378, 385);
    writeTestNpz(path.join(input, 'm.npz'), test, rows, 2, labels);
    const labelsFile = path.join(dir, 'labels.csv');
    writeFileSync(labelsFile, 'file,start,end\nsetA/x.csv,1345,1360\nm.npz,378,384\n');
    const report = path.join(dir, 'report');
    const r = await run({ input, labels: labelsFile, model, report });
    expect(r.code).toBe(0);
    const [, , windows, found] = overallRow(r.stdout);
    expect(windows).toBe('2');
    expect(found).toBe('2');
    expect(r.stdout).toMatch(/^\[setA\]/m);
    const html = readFileSync(path.join(report, 'index.html'), 'utf8');
    // One chart per series: x.csv and the two dimensions of m.npz.
    expect(html.match(/<svg /g)).toHaveLength(3);
  });

  it('a malformed labels file is an error with file and line', async () => {
    const labelsFile = path.join(dir, 'bad-labels.csv');
    writeFileSync(labelsFile, 'file,start,end\nx.csv,10\n');
    const input = path.join(dir, 'one.csv');
    writeFileSync(input, 'timestamp,value\n1,2\n');
    const r = await run({ input, labels: labelsFile, model });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${ErrorCode.LABELS_INVALID} ${labelsFile}:2:`);
  });
});
