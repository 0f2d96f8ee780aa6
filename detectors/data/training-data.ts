// Collects training series from a directory: CSV trees (`timestamp,value`) and the tuning-data
// layout (SMD/ASD `.npz` with train/test/test_label; JumpStarter `train|test|test_label/*.csv.gz`;
// labelled `TimeStamp,Value,Label` CSVs). Only unlabelled data is trained on: the `train` arrays,
// files outside `test`/`test_label` folders, and CSVs without a label column. Labelled data is kept
// for evaluation and listed as skipped, so the model card says what was left out and why.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseCsv } from './csv.ts';
import { DataError } from './data-error.ts';
import { columnsOf, readNpz } from './npz.ts';

interface TrainingSeries {
  /** Where it came from: relative path, plus `#column` for multi-column files. */
  readonly source: string;
  readonly values: Float64Array;
}

export interface DataFileUse {
  readonly path: string;
  readonly series: number;
  readonly points: number;
}

export interface TrainingData {
  readonly series: TrainingSeries[];
  readonly used: DataFileUse[];
  readonly skipped: { readonly path: string; readonly reason: string }[];
  /** sha256 over the relative paths and bytes of the files used, in order: identifies the data. */
  readonly digest: string;
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

const isTestPart = (rel: string): boolean => rel.split(sep).some((s) => s === 'test' || s === 'test_label');

export async function loadTrainingData(dir: string): Promise<TrainingData> {
  let files: string[];
  try {
    files = await walk(dir);
  } catch (e) {
    throw new DataError(dir, `cannot read the data directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const series: TrainingSeries[] = [];
  const used: DataFileUse[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const hash = createHash('sha256');
  for (const file of files) {
    const rel = relative(dir, file);
    const isNpz = file.endsWith('.npz');
    const isCsv = file.endsWith('.csv') || file.endsWith('.csv.gz');
    if (!isNpz && !isCsv) continue;
    if (isTestPart(rel)) {
      skipped.push({ path: rel, reason: 'test part (kept for evaluation)' });
      continue;
    }
    const bytes = await readFile(file);
    let found: { column: string; values: Float64Array }[];
    if (isNpz) {
      const train = readNpz(file, bytes, ['train']).get('train');
      if (!train) {
        skipped.push({ path: rel, reason: 'no `train` array' });
        continue;
      }
      found = columnsOf(train).map((values, c) => ({ column: `dim${c}`, values }));
    } else {
      let text: string;
      try {
        text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
      } catch (e) {
        throw new DataError(file, `not a readable gzip file (${(e as Error).message})`);
      }
      const csv = parseCsv(file, text);
      if (csv.labelled) {
        skipped.push({ path: rel, reason: 'labelled (evaluation data)' });
        continue;
      }
      found = csv.series;
    }
    hash.update(rel).update(bytes);
    let points = 0;
    for (const f of found) {
      series.push({ source: found.length > 1 ? `${rel}#${f.column}` : rel, values: f.values });
      points += f.values.length;
    }
    used.push({ path: rel, series: found.length, points });
  }
  return { series, used, skipped, digest: hash.digest('hex') };
}
