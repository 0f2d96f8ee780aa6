// The labels file of `vigil eval --labels FILE`: CSV with the header `file,start,end`, one labelled
// anomaly window per line. `file` is the series file's path relative to --input (as `vigil detect`
// writes it; the file name when --input is a file); `start` and `end` (inclusive) are in the units
// of that file's timestamp column: dates as written there (e.g. 2026-11-23T10:00:00Z) or numbers
// (epoch seconds, or row numbers from 0 for files without a timestamp column).
// Passing --labels the same path as --input (or a directory) uses the labels inside the data instead:
// a `label` column, an .npz `test_label` array, JumpStarter's `test_label/` files.
import { readFile } from 'node:fs/promises';
import { ErrorCode } from '../../core/errors.ts';
import { InputError } from './input-error.ts';

export interface LabelledWindow {
  readonly start: number;
  readonly end: number;
}

/** A timestamp as a number for comparison: numbers as they are, dates as ms since the epoch. */
export function timeValue(ts: string): number {
  const t = ts.trim();
  if (t === '') return Number.NaN;
  const n = Number(t);
  if (!Number.isNaN(n)) return n;
  // Dates without a zone are read as UTC, so the result does not depend on the machine's zone.
  const iso = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  return Date.parse(iso);
}

export async function readLabelsFile(file: string): Promise<Map<string, LabelledWindow[]>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(ErrorCode.LABELS_INVALID, file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  if (header.join(',') !== 'file,start,end') throw new InputError(ErrorCode.LABELS_INVALID, `${file}:1`, 'the header must be file,start,end');
  const out = new Map<string, LabelledWindow[]>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== 3) throw new InputError(ErrorCode.LABELS_INVALID, `${file}:${i + 1}`, `expected 3 fields, found ${cells.length}`);
    const [name, s, e] = cells as [string, string, string];
    const start = timeValue(s);
    const end = timeValue(e);
    if (Number.isNaN(start) || Number.isNaN(end))
      throw new InputError(ErrorCode.LABELS_INVALID, `${file}:${i + 1}`, `start "${s}" or end "${e}" is not a date or a number`);
    if (end < start) throw new InputError(ErrorCode.LABELS_INVALID, `${file}:${i + 1}`, 'end is before start');
    const list = out.get(name) ?? [];
    list.push({ start, end });
    out.set(name, list);
  }
  return out;
}

/** Row labels of a file from its windows: 1 where the row's timestamp falls in one. */
export function rowLabels(timestamps: readonly string[], windows: readonly LabelledWindow[]): Uint8Array {
  const out = new Uint8Array(timestamps.length);
  for (let i = 0; i < timestamps.length; i++) {
    const t = timeValue(timestamps[i]!);
    for (const w of windows) if (t >= w.start && t <= w.end) out[i] = 1;
  }
  return out;
}
