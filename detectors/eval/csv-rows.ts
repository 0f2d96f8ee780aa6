// Streams a CSV series file row by row (plain or .gz), so a file of any size is scored in constant
// memory. Two shapes: a header naming `timestamp` and `value` (and, in labelled data such as the
// tuning set's `TimeStamp,Value,Label`, a `label` column), or no header and only numbers (JumpStarter:
// one series per column, the row number as timestamp). An empty value is a gap (NaN); anything
// else that is not a number, or a row with the wrong number of fields, is an error naming file and line.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ErrorCode } from '../../core/errors.ts';
import { InputError } from './input-error.ts';

/** One row; the object and its arrays are reused for the next row (read them before asking for more). */
export interface Row {
  /** The timestamp as written (or the row number in files without one). */
  timestamp: string;
  readonly values: Float64Array;
  /** The value cells as written, for echoing them back unchanged. */
  readonly cells: string[];
  /** 0/1 from a label column, -1 when the file has none. */
  label: number;
}

export interface CsvShape {
  /** Output names per series: ["value"] or ["col0", "col1", …]. */
  readonly columns: readonly string[];
  readonly labelled: boolean;
}

const unquote = (s: string): string => {
  const t = s.trim();
  return t.length >= 2 && t.charCodeAt(0) === 34 && t.charCodeAt(t.length - 1) === 34 ? t.slice(1, -1).trim() : t;
};

function numberOf(file: string, line: number, cell: string): number {
  if (cell === '') return Number.NaN;
  const v = Number(cell);
  if (Number.isNaN(v) && !/^nan$/i.test(cell)) throw new InputError(ErrorCode.CSV_INVALID, `${file}:${line}`, `value "${cell.slice(0, 40)}" is not a number`);
  return v;
}

function lineStream(file: string): Readable {
  const raw = createReadStream(file);
  return file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
}

/** The shape of a CSV file, from its first non-blank line (without reading the rest). */
export async function csvShape(file: string): Promise<CsvShape> {
  let shape: CsvShape = { columns: ['value'], labelled: false };
  const rows = csvRows(file, (s) => (shape = s));
  await rows.next();
  await rows.return(undefined);
  return shape;
}

/**
 * Rows of a CSV file. `onShape` is called once, before the first row, with the columns found.
 * Blank lines are not rows.
 */
export async function* csvRows(file: string, onShape: (shape: CsvShape) => void): AsyncGenerator<Row> {
  const input = lineStream(file);
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  let fields = 0;
  let tsCol = -1;
  let valueCols: number[] = [];
  let labelCol = -1;
  let row: Row | undefined;
  let index = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const cells = line.split(',');
      if (row === undefined) {
        const first = cells.map(unquote);
        const header = first.some((c) => c !== '' && Number.isNaN(Number(c)));
        fields = first.length;
        if (header) {
          const names = first.map((c) => c.toLowerCase());
          tsCol = names.indexOf('timestamp');
          const v = names.indexOf('value');
          if (v < 0) throw new InputError(ErrorCode.CSV_INVALID, `${file}:${lineNo}`, 'the header has no "value" column (expected timestamp,value)');
          valueCols = [v];
          labelCol = names.indexOf('label');
          onShape({ columns: ['value'], labelled: labelCol >= 0 });
        } else {
          valueCols = first.map((_, i) => i);
          onShape({ columns: valueCols.map((i) => `col${i}`), labelled: false });
        }
        row = { timestamp: '', values: new Float64Array(valueCols.length), cells: new Array<string>(valueCols.length).fill(''), label: -1 };
        if (header) continue;
      }
      if (cells.length !== fields) throw new InputError(ErrorCode.CSV_INVALID, `${file}:${lineNo}`, `expected ${fields} fields, found ${cells.length}`);
      for (let k = 0; k < valueCols.length; k++) {
        const cell = unquote(cells[valueCols[k]!]!);
        row.cells[k] = cell;
        row.values[k] = numberOf(file, lineNo, cell);
      }
      row.timestamp = tsCol >= 0 ? unquote(cells[tsCol]!) : String(index);
      if (labelCol >= 0) {
        const l = unquote(cells[labelCol]!);
        if (l !== '0' && l !== '1') throw new InputError(ErrorCode.CSV_INVALID, `${file}:${lineNo}`, `label "${l.slice(0, 20)}" is not 0 or 1`);
        row.label = l === '1' ? 1 : 0;
      }
      index++;
      yield row;
    }
  } finally {
    lines.close();
    input.destroy();
  }
}
