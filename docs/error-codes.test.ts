// The error codes the documentation names are the ones core/errors.ts defines: a code renamed or
// dropped in the code cannot stay in the docs.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../core/errors.ts';

const root = new URL('../', import.meta.url);
const docs = [
  ...['README.md', 'DETECTION.md', 'BENCHMARKS.md'].map((f) => new URL(f, root)),
  ...readdirSync(new URL('docs/', root), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => new URL(`docs/${f}`, root)),
];

describe('error codes in the docs', () => {
  it.each(docs.map((u) => [u.pathname.slice(root.pathname.length), u] as const))('%s names only codes that exist', (_file, url) => {
    const known = new Set<string>(Object.values(ErrorCode));
    const named = [...readFileSync(url, 'utf8').matchAll(/VIGIL_ERR_[A-Z0-9_]+/g)].map((m) => m[0]);
    expect(named.filter((c) => !known.has(c))).toEqual([]);
  });
});
