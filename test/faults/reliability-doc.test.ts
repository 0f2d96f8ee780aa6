// docs/reliability.md has one section per fault test file and none for a file that is gone: each file
// checks its own rows (reliability-doc.ts); this checks that the sections and the files match.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

it('docs/reliability.md has a section for each fault test file, and only for those', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../docs/reliability.md', import.meta.url)), 'utf8');
  const sections = [...doc.matchAll(/^### (\S+\.test\.ts)$/gm)].map((m) => m[1]).sort();
  const files = readdirSync(fileURLToPath(new URL('.', import.meta.url)))
    .filter((f) => f.endsWith('.test.ts') && f !== 'reliability-doc.test.ts')
    .sort();
  expect(sections).toEqual(files);
});
