// Import boundaries between the folders (docs/ARCHITECTURE.md): core/ is the shared vocabulary and
// imports nothing from the stages or the agent; a stage (collectors/, detectors/, alerts/, sinks/)
// imports core/ and its own folder, never another stage or agent/; only the agent wires stages together.
// Test files (*.test.ts), testdata/ and testing/ helper folders (and a stage's testing.ts) are exempt:
// like the agent, a test may wire stages together. And what is built into dist/ (agent/, core/ and
// the stages) imports no test helper: the build bundles whatever agent/main.ts imports, so an import
// would pull one into the production build. Every import form counts: static, type-only, re-exports and dynamic import() with a literal path.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const STAGES = ['collectors', 'detectors', 'alerts', 'sinks'] as const;
const GUARDED = ['core', ...STAGES] as const;
const BUILT = ['agent', ...GUARDED] as const;

/** The top-level folders that a file in `folder` may import from. */
function allowed(folder: string): readonly string[] {
  return folder === 'core' ? ['core'] : ['core', folder];
}

function isExempt(path: string): boolean {
  const parts = path.split('/');
  return path.endsWith('.test.ts') || parts.includes('testing') || parts.includes('testdata') || parts.at(-1) === 'testing.ts';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .map((p) => `${dir}/${p.split(sep).join('/')}`)
    .filter((p) => p.endsWith('.ts') && !isExempt(p));
}

/** Relative import specifiers of one file, with their line numbers. */
function relativeImports(path: string): { spec: string; line: number }[] {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const info = ts.preProcessFile(text, true, true);
  const lineOf = (pos: number) => text.slice(0, pos).split('\n').length;
  return info.importedFiles.filter((f) => f.fileName.startsWith('.')).map((f) => ({ spec: f.fileName, line: lineOf(f.pos) }));
}

/** Every relative import of the non-test files of `folders`, resolved against the repository root. */
function imports(folders: readonly string[]): { file: string; folder: string; spec: string; line: number; target: string }[] {
  return folders.flatMap((folder) =>
    sourceFiles(folder).flatMap((file) =>
      relativeImports(file).map(({ spec, line }) => ({
        file,
        folder,
        spec,
        line,
        target: relative(ROOT, resolve(ROOT, dirname(file), spec))
          .split(sep)
          .join('/'),
      })),
    ),
  );
}

/** Imports of data anyone may make: the package's own package.json (core/version.ts reads its version). */
const DATA = new Set(['package.json']);

/** Every import that crosses a boundary, as "file:line imports 'spec' (folder/)". */
function violations(): string[] {
  return imports(GUARDED)
    .filter(({ folder, target }) => !target.startsWith('..') && !DATA.has(target) && !allowed(folder).includes(target.split('/')[0]!))
    .map(({ file, line, spec, target }) => `${file}:${line} imports '${spec}' (${target.split('/')[0]}/)`);
}

/**
 * Known crossings waiting to be moved (none now). The list may only shrink: an entry that no longer
 * occurs fails the test too.
 */
const PENDING = new Set<string>([]);

/** A violation without its line number, as PENDING lists it. */
const key = (v: string) => v.replace(/:\d+ imports (\S+) .*/, ' imports $1');

describe('import boundaries', () => {
  it('finds the source files of every guarded folder', () => {
    for (const folder of GUARDED) expect(sourceFiles(folder).length, folder).toBeGreaterThan(0);
  });

  it('core/ imports no stage and no agent/; a stage imports only core/ and itself', () => {
    const found = violations();
    expect(found.filter((v) => !PENDING.has(key(v)))).toEqual([]);
  });

  it('code built into dist/ imports no test helper', () => {
    const helpers = imports(BUILT).filter(({ target }) => isExempt(target) || target.startsWith('test/'));
    expect(helpers.map(({ file, line, spec }) => `${file}:${line} imports '${spec}'`)).toEqual([]);
  });

  it('lists as pending only crossings that still exist', () => {
    const current = new Set(violations().map(key));
    expect([...PENDING].filter((p) => !current.has(p))).toEqual([]);
  });
});
