// docs/detector.md's "Monitored series" table names the default series the detector scores; the list
// comes from detectors/series/monitored-series.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MONITORED } from '../detectors/series/monitored-series.ts';

const doc = readFileSync(new URL('./detector.md', import.meta.url), 'utf8');

/** The backticked names in the first column of the table under `## Monitored series`. */
function monitoredInDoc(): string[] {
  const section = /## Monitored series\n([\s\S]*?)\n## /.exec(doc)?.[1];
  if (section === undefined) throw new Error('docs/detector.md has no "## Monitored series" section');
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((r) => [...r.split('|')[1]!.matchAll(/`([a-zA-Z0-9_]+)`/g)].map((m) => m[1]!));
}

describe('docs/detector.md', () => {
  it('lists every default monitored series, and no other', () => {
    expect(monitoredInDoc().sort()).toEqual(Object.values(MONITORED).sort());
  });
});
