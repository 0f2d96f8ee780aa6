// docs/reliability.md is written by hand and checked by the suite: each fault test file owns one
// section of the table (the rows under the heading "### <its file name>"), computes its rows from
// what it observed, and fails unless that section holds exactly those rows, in that order. The
// table has no timings, so it changes only when an outcome does.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

const RELIABILITY_DOC = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));

export interface Row {
  /** What was broken. */
  readonly fault: string;
  /** The metric that shows it. */
  readonly metric: string;
  /** The log code that names it. */
  readonly code: string;
  /** What came back after the fault was lifted. */
  readonly recovered: string;
}

/** One table line; /metrics was served throughout, or the test failed before it got here. */
const formatRow = (r: Row): string => `| ${r.fault} | yes | ${r.metric} | ${r.code} | ${r.recovered} |`;

/** The table lines of the section "### <file>" of docs/reliability.md. */
function sectionRows(file: string): string[] {
  const lines = readFileSync(RELIABILITY_DOC, 'utf8').split('\n');
  const start = lines.indexOf(`### ${file}`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('#')) break;
    if (line.startsWith('| ') && !line.startsWith('| fault ') && !line.startsWith('|---')) out.push(line);
  }
  return out;
}

export function expectSection(file: string, rows: readonly Row[]): void {
  const want = rows.map(formatRow);
  expect(
    sectionRows(file),
    `docs/reliability.md, section "### ${file}", must hold exactly these rows (update the doc if an outcome changed):\n${want.join('\n')}`,
  ).toEqual(want);
}
