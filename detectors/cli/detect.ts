// `vigil detect --input PATH --output DIR [--model FILE]`: scores series files offline through the
// daemon's own Scorer and writes, under the same relative path,
// `timestamp,value,anomaly_score,raw_score,anomaly` — one row per input row, in input order;
// anomaly_score is what the daemon exports as vigil_anomaly_score (after the event logic). A multi-series file (headerless CSV, .npz) becomes a folder
// with one such file per series. A bad file is reported (code, file:line, reason), its partial output
// removed, and the other files are still scored; the exit status is then 2. Files are scored side by
// side (see eval/lanes.ts): each keeps its own states, their series share each model run.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { formatUserError, type UserError } from '../../core/errors.ts';
import { type LaneHandler, scoreInLanes } from '../eval/lanes.ts';
import { loadCliModel } from '../eval/model.ts';
import { OutputFile } from '../eval/output-file.ts';
import { listSeriesFiles, openSeries, type SeriesFile, type SeriesSource } from '../eval/sources.ts';
import type { Predictor } from '../predictor.ts';
import { Scorer } from '../scoring/scorer.ts';
import { detectorOptions, stageOptionsOf } from '../config.ts';
import { progressBar } from './progress.ts';

const EXIT_INVALID = 2;

const isUserError = (e: unknown): e is Error & UserError =>
  e instanceof Error && typeof (e as Partial<UserError>).code === 'string' && typeof (e as Partial<UserError>).where === 'string';

/** Where the scores of `source`'s series go: the same relative path, or a folder of one file per series. */
export function outputPaths(outDir: string, source: SeriesSource): string[] {
  const rel = source.file.rel.replace(/\.gz$/, '');
  if (source.columns.length === 1 && !rel.endsWith('.npz')) return [path.join(outDir, rel)];
  const base = rel.replace(/\.(csv|npz)$/, '');
  return source.columns.map((c) => path.join(outDir, base, `${c}.csv`));
}

export const formatScore = (s: number): string => (s === 0 ? '0' : s.toFixed(6));

/** Files scored side by side (their series share each model run, as a tick's series do in the daemon). */
export const LANES = 64;

/** Opens each file's outputs, writes its rows, closes them; a failed file's outputs are removed. */
function outputHandler(outDir: string, onDone: (source: SeriesSource, rows: number) => void, onFailed: (err: unknown, file: SeriesFile) => void): LaneHandler {
  const outputs = new Map<SeriesSource, OutputFile[]>();
  return {
    async open(file) {
      const source = await openSeries(file);
      outputs.set(source, await Promise.all(outputPaths(outDir, source).map((p) => OutputFile.create(p, 'timestamp,value,anomaly_score,raw_score,anomaly'))));
      return source;
    },
    row(source, row, scores, extras) {
      const outs = outputs.get(source)!;
      let flushes: Promise<void>[] | undefined;
      for (let d = 0; d < outs.length; d++) {
        const flushed = outs[d]!.line(`${row.timestamp},${row.cells[d]},${formatScore(scores[d]!)},${formatScore(extras.raw[d]!)},${extras.anomaly[d]}`);
        if (flushed !== undefined) (flushes ??= []).push(flushed);
      }
      return flushes === undefined ? undefined : Promise.all(flushes).then(() => undefined);
    },
    async done(source, rows) {
      await Promise.all(outputs.get(source)!.map((o) => o.close()));
      outputs.delete(source);
      onDone(source, rows);
    },
    async failed(file, err, source) {
      if (source !== undefined) {
        for (const o of outputs.get(source) ?? []) o.destroy();
        outputs.delete(source);
        await Promise.all(outputPaths(outDir, source).map((p) => rm(p, { force: true })));
      }
      onFailed(err, file);
    },
  };
}

export async function detectCommand(opts: Record<string, string>): Promise<number> {
  const input = opts.input!;
  const output = opts.output!;
  let predictor: Predictor;
  let files;
  try {
    files = await listSeriesFiles(input);
    predictor = await loadCliModel(opts.model);
  } catch (e) {
    if (!isUserError(e)) throw e;
    process.stderr.write(formatUserError(e) + '\n');
    return EXIT_INVALID;
  }
  const config = detectorOptions.parse({});
  const { warmup } = config;
  const bar = progressBar(
    files.reduce((a, f) => a + f.size, 0),
    'bytes',
  );
  const failures: string[] = [];
  let points = 0;
  const t0 = performance.now();
  let unexpected: unknown;
  const handler = outputHandler(
    output,
    (source, rows) => {
      points += rows * source.columns.length;
      bar.add(source.file.size, rows * source.columns.length);
    },
    (e, file) => {
      bar.add(file.size, 0);
      if (isUserError(e)) failures.push(formatUserError(e));
      else unexpected ??= e;
    },
  );
  try {
    // Every file starts from fresh states (files are independent series, as separate series in the daemon).
    await scoreInLanes(files, new Scorer(predictor, warmup, stageOptionsOf(config)), LANES, handler);
    if (unexpected !== undefined) throw unexpected;
  } finally {
    bar.stop();
    await predictor.close();
  }
  for (const f of failures) process.stderr.write(f + '\n');
  const secs = (performance.now() - t0) / 1000;
  process.stderr.write(
    `scored ${points} points in ${files.length - failures.length} of ${files.length} file(s) in ${secs.toFixed(1)} s (${Math.round(points / Math.max(secs, 1e-9))} points/s); warm-up rows (first window + ${warmup} calibration points) score 0\n`,
  );
  return failures.length > 0 ? EXIT_INVALID : 0;
}
