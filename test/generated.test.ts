// Every generated file is what its code makes now: a change to metric declarations, defaults, rules
// or dashboards must come with `npm run generate` in the same commit.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILES } from '../scripts/generated-files.ts';

describe('generated files', () => {
  it.each(GENERATED_FILES.map((f) => [f.path, f] as const))('%s is up to date (npm run generate)', (_path, f) => {
    const current = readFileSync(new URL(`../${f.path}`, import.meta.url), 'utf8');
    expect(f.render(current)).toBe(current);
  });
});
