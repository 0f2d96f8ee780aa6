// docs/promql-subset.md lists what the engine evaluates; the lists come from alerts/engine/compile.ts,
// so a function or aggregation added to (or dropped from) the engine must be added to the docs too.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AGGREGATIONS, FUNCTIONS } from '../alerts/engine/compile.ts';

const doc = readFileSync(new URL('./promql-subset.md', import.meta.url), 'utf8');

/** The backticked names in the "Supported" table's row `kind`, in order. */
function row(kind: string): string[] {
  const line = doc.split('\n').find((l) => l.startsWith(`| ${kind} |`));
  if (line === undefined) throw new Error(`docs/promql-subset.md has no "${kind}" row`);
  return [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!);
}

const functions = Object.entries(FUNCTIONS);
const takesRange = ([, sig]: (typeof functions)[number]) => sig.args.includes('matrix');
const sorted = (names: readonly string[]) => [...names].sort();

describe('docs/promql-subset.md', () => {
  it('lists every range function the engine has, and no other', () => {
    expect(sorted(row('Range functions'))).toEqual(sorted(functions.filter(takesRange).map(([name]) => name)));
  });

  it('lists every other function the engine has, and no other', () => {
    expect(sorted(row('Other functions'))).toEqual(sorted(functions.filter((f) => !takesRange(f)).map(([name]) => name)));
  });

  it('lists every aggregation the engine has, and no other', () => {
    expect(sorted(row('Aggregations'))).toEqual(sorted(Object.keys(AGGREGATIONS)));
  });
});
