// Series from CSV text. Two shapes: with a header naming a value column (`timestamp,value`, and the
// tuning data's `TimeStamp,Value,Label`), one series; without a header (all numeric, as JumpStarter's
// files), one series per column. An empty or non-numeric value is a gap (NaN) only where the format
// allows it (an empty cell); anything else is a DataError naming file and line.
import { DataError } from './data-error.ts';

interface CsvSeries {
  /** Column name ("value") or index ("col3"). */
  readonly column: string;
  readonly values: Float64Array;
}

export interface CsvContent {
  readonly series: CsvSeries[];
  /** True when the file has a label column: labelled evaluation data. */
  readonly labelled: boolean;
}

const unquote = (s: string): string => {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
};

function parseNumber(file: string, line: number, cell: string): number {
  if (cell === '') return NaN; // a gap
  const v = Number(cell);
  if (Number.isNaN(v) && !/^nan$/i.test(cell)) throw new DataError(`${file}:${line}`, `value "${cell.slice(0, 40)}" is not a number`);
  return v;
}

export function parseCsv(file: string, text: string): CsvContent {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) return { series: [], labelled: false };
  const first = lines[0]!.split(',').map(unquote);
  const hasHeader = first.some((c) => c !== '' && Number.isNaN(Number(c)));
  if (hasHeader) {
    const names = first.map((c) => c.toLowerCase());
    const valueCol = names.indexOf('value');
    if (valueCol < 0) throw new DataError(`${file}:1`, 'header has no "value" column (expected timestamp,value)');
    const values = new Float64Array(lines.length - 1);
    for (let i = 1; i < lines.length; i++) {
      const cells = lines[i]!.split(',');
      if (cells.length < names.length) throw new DataError(`${file}:${i + 1}`, `expected ${names.length} fields, found ${cells.length}`);
      values[i - 1] = parseNumber(file, i + 1, unquote(cells[valueCol]!));
    }
    return { series: [{ column: 'value', values }], labelled: names.includes('label') };
  }
  const cols = first.length;
  const columns = Array.from({ length: cols }, () => new Float64Array(lines.length));
  for (let i = 0; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    if (cells.length !== cols) throw new DataError(`${file}:${i + 1}`, `expected ${cols} fields, found ${cells.length}`);
    for (let c = 0; c < cols; c++) columns[c]![i] = parseNumber(file, i + 1, unquote(cells[c]!));
  }
  return { series: columns.map((values, c) => ({ column: `col${c}`, values })), labelled: false };
}
