// What `vigil detect` and `vigil eval` read: a file or a directory tree of series files.
// - CSV (`.csv`, `.csv.gz`) with a `timestamp,value` header: one series; without a header, one per column.
// - `.npz` of the tuning data (SMD, ASD): the `test` array (T×D), one series per column, its
//   `test_label` as labels; the `train` array is not scored.
// In the tuning layout, `test_label/` folders hold labels (never scored) and `train/` folders beside
// a `test/` folder are training data (not scored); a headerless CSV in `test/` takes its labels from
// `test_label/<same name>` when that exists (JumpStarter).
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ErrorCode } from '../../core/errors.ts';
import { DataError } from '../data/data-error.ts';
import { readNpz } from '../data/npz.ts';
import { csvRows, csvShape, type Row } from './csv-rows.ts';
import { InputError } from './input-error.ts';

export interface SeriesFile {
  readonly path: string;
  /** Relative to the input root (the file name when the input is a file). */
  readonly rel: string;
  readonly size: number;
}

/** An opened series file: its columns, and its rows (streamed for CSV). */
export interface SeriesSource {
  readonly file: SeriesFile;
  /** One name per series: ["value"] for a timestamp,value file, ["col0", …] or ["dim00", …] otherwise. */
  readonly columns: readonly string[];
  /** Whether rows carry labels (label column, test_label array or file). */
  readonly labelled: boolean;
  rows(): AsyncIterable<Row>;
}

const isSeriesFile = (name: string): boolean => name.endsWith('.csv') || name.endsWith('.csv.gz') || name.endsWith('.npz');

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const names = new Set(entries.map((e) => e.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    // Follow symbolic links (a data set linked into a folder).
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isDirectory() === true);
    const isFile = e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isFile() === true);
    if (isDir) {
      if (e.name === 'test_label' || (e.name === 'train' && names.has('test'))) continue;
      await walk(p, out);
    } else if (isFile && isSeriesFile(e.name)) out.push(p);
  }
}

/** The series files under `input`, in a stable order. */
export async function listSeriesFiles(input: string): Promise<SeriesFile[]> {
  let st;
  try {
    st = await stat(input);
  } catch (e) {
    throw new InputError(ErrorCode.INPUT_INVALID, input, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const paths: string[] = [];
  if (st.isDirectory()) await walk(input, paths);
  else paths.push(input);
  if (paths.length === 0) throw new InputError(ErrorCode.INPUT_INVALID, input, 'no .csv, .csv.gz or .npz files found');
  const root = st.isDirectory() ? input : path.dirname(input);
  return Promise.all(paths.map(async (p) => ({ path: p, rel: path.relative(root, p), size: (await stat(p)).size })));
}

/** Labels beside a JumpStarter test file: ../test_label/<name>, one 0/1 per line. */
async function siblingLabels(file: string): Promise<Uint8Array | undefined> {
  const dir = path.dirname(file);
  if (path.basename(dir) !== 'test') return undefined;
  const labelFile = path.join(path.dirname(dir), 'test_label', path.basename(file));
  if (!existsSync(labelFile)) return undefined;
  const raw = await readFile(labelFile);
  const text = (labelFile.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const out = new Uint8Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    const v = lines[i]!.trim();
    if (v !== '0' && v !== '1') throw new InputError(ErrorCode.LABELS_INVALID, `${labelFile}:${i + 1}`, `label "${v.slice(0, 20)}" is not 0 or 1`);
    out[i] = v === '1' ? 1 : 0;
  }
  return out;
}

async function openCsv(file: SeriesFile): Promise<SeriesSource> {
  const shape = await csvShape(file.path);
  const labels = shape.labelled ? undefined : await siblingLabels(file.path);
  return {
    file,
    columns: shape.columns,
    labelled: shape.labelled || labels !== undefined,
    async *rows() {
      let i = 0;
      for await (const row of csvRows(file.path, () => undefined)) {
        if (labels !== undefined) row.label = labels[i] ?? 0;
        i++;
        yield row;
      }
    },
  };
}

async function openNpz(file: SeriesFile): Promise<SeriesSource> {
  let arrays;
  try {
    arrays = readNpz(file.path, await readFile(file.path), ['test', 'test_label']);
  } catch (e) {
    if (e instanceof DataError) throw new InputError(ErrorCode.INPUT_INVALID, e.where, e.message);
    throw e;
  }
  const test = arrays.get('test');
  if (test === undefined) throw new InputError(ErrorCode.INPUT_INVALID, file.path, 'the .npz has no "test" array');
  const [rows = 0, dims = 1] = test.shape;
  const labels = arrays.get('test_label');
  if (labels !== undefined && labels.data.length !== rows) {
    throw new InputError(ErrorCode.LABELS_INVALID, file.path, `test_label has ${labels.data.length} values for ${rows} rows`);
  }
  const columns = Array.from({ length: dims }, (_, d) => `dim${String(d).padStart(2, '0')}`);
  return {
    file,
    columns,
    labelled: labels !== undefined,
    async *rows() {
      const row: Row = { timestamp: '', values: new Float64Array(dims), cells: new Array<string>(dims).fill(''), label: -1 };
      for (let r = 0; r < rows; r++) {
        row.timestamp = String(r);
        for (let d = 0; d < dims; d++) {
          const v = test.data[r * dims + d]!;
          row.values[d] = v;
          row.cells[d] = String(v);
        }
        row.label = labels === undefined ? -1 : labels.data[r]! > 0 ? 1 : 0;
        yield row;
      }
    },
  };
}

export function openSeries(file: SeriesFile): Promise<SeriesSource> {
  return file.path.endsWith('.npz') ? openNpz(file) : openCsv(file);
}
