// Research cache: scores the tuning data's test parts once per method and writes, per file and series,
// the raw value, the prediction error and the calibrated rank (Float32, row-major rows × series) to
// --out (default /tmp/vigil-cache), so the stages after the model can be tuned in seconds. Not shipped.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { detectorOptions } from '../../config.ts';
import { Scorer, type StepResult } from '../../scoring/scorer.ts';
import { meanPredictor, RollingZScore } from '../baseline.ts';
import type { BatchScorer } from '../batch-scorer.ts';
import { scoreInLanes } from '../lanes.ts';
import { loadCliModel } from '../model.ts';
import { Growable } from '../scored-file.ts';
import { listSeriesFiles, openSeries, type SeriesSource } from '../sources.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Wraps a scorer so the lanes' score slot carries the error; warm/rank recorded per step. */
class Capture<S> implements BatchScorer<S> {
  last: StepResult | undefined;
  private readonly inner: BatchScorer<S>;
  constructor(inner: BatchScorer<S>) {
    this.inner = inner;
  }
  newState(): S {
    return this.inner.newState();
  }
  async step(states: readonly S[], values: ArrayLike<number>, n = states.length): Promise<StepResult> {
    const r = await this.inner.step(states, values, n);
    this.last = r;
    // lanes.ts writes scores[k] when warm: pass the error through "scores", always "warm".
    return { ...r, scores: r.errors, warm: new Uint8Array(n).fill(1) };
  }
}

export function tsOf(t: string, row: number): number {
  const v = Number(t);
  if (t.trim() !== '' && Number.isFinite(v)) return v;
  const d = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(t) ? t : t.replace(' ', 'T') + 'Z');
  return Number.isFinite(d) ? d / 1000 : row;
}

const { values: args } = parseArgs({ args: process.argv.slice(2), options: { data: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' } } });
const data = args.data ?? path.join(ROOT, '..', 'shared', 'data', 'tuning');
const out = args.out ?? '/tmp/vigil-cache';
const defaults = detectorOptions.parse({});
const predictor = await loadCliModel(undefined);
const methods: { name: string; make: () => BatchScorer<unknown> }[] = [
  { name: 'lstm', make: () => new Scorer(predictor, defaults.warmup) as BatchScorer<unknown> },
  { name: 'mean', make: () => new Scorer(meanPredictor(predictor.window), defaults.warmup) as BatchScorer<unknown> },
  { name: 'roll', make: () => new RollingZScore(predictor.window, defaults.warmup) as BatchScorer<unknown> },
].filter((m) => args.only === undefined || args.only.split(',').includes(m.name));
const files = await listSeriesFiles(data);
const t0 = performance.now();
for (const m of methods) {
  const cap = new Capture(m.make());
  interface Acc {
    err: Growable;
    values: Growable;
    ts: number[];
    labels: Growable;
    dims: number;
  }
  const open = new Map<SeriesSource, Acc>();
  let done = 0;
  await scoreInLanes(files, cap, 64, {
    async open(file) {
      const s = await openSeries(file);
      open.set(s, { err: new Growable(), values: new Growable(), ts: [], labels: new Growable(), dims: s.columns.length });
      return s;
    },
    row(source, row, scores) {
      const a = open.get(source)!;
      for (let d = 0; d < a.dims; d++) a.err.push(scores[d]!);
      if (m.name === 'lstm') {
        for (let d = 0; d < a.dims; d++) a.values.push(row.values[d]!);
        a.ts.push(tsOf(row.timestamp, a.labels.length));
        a.labels.push(row.label);
      } else a.labels.push(row.label);
      return undefined;
    },
    async done(source, rows) {
      const a = open.get(source)!;
      open.delete(source);
      const dir = path.join(out, source.file.rel.replace(/[^a-zA-Z0-9._-]+/g, '__'));
      mkdirSync(dir, { recursive: true });
      const w = (name: string, arr: Float32Array): void => writeFileSync(path.join(dir, name), Buffer.from(arr.buffer, arr.byteOffset, arr.byteLength));
      w(`err_${m.name}.f32`, a.err.done());
      if (m.name === 'lstm') {
        w('values.f32', a.values.done());
        writeFileSync(path.join(dir, 'ts.f64'), Buffer.from(Float64Array.from(a.ts).buffer));
        writeFileSync(
          path.join(dir, 'labels.u8'),
          Uint8Array.from(a.labels.done(), (l) => (l === 1 ? 1 : 0)),
        );
        writeFileSync(path.join(dir, 'meta.json'), JSON.stringify({ rel: source.file.rel, rows, dims: a.dims, columns: source.columns }));
      }
      done++;
      if (done % 10 === 0) process.stderr.write(`[${m.name} ${done}/${files.length}] ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    },
    async failed(file, err) {
      throw new Error(`${file.rel}: ${(err as Error).message}`);
    },
  });
}
await predictor.close();
