// `npm run build` (also run by `npm ci` through `prepare`, and by `npm run package`): the production
// build in dist/, which the `vigil` bin, `npm start`, the image and the systemd unit run.
//
// rolldown bundles the agent (agent/main.ts) and the retraining worker, which the agent starts by
// path, with their dependencies, minified: V8 keeps every loaded module's source text for lazy
// compilation, so fewer and smaller sources are less heap (docs/footprint.md). What the agent
// imports with import() (OTLP, Kafka, PostgreSQL, PgBouncer, the detector stage, the CLI's detect,
// eval and train) stays in chunks of its own, loaded only when the config or the command needs them.
// onnxruntime-node stays in node_modules: its native binding is loaded from beside its JavaScript.
//
// Layout: every chunk is written to dist/agent/, one folder below dist/ as core/ is below the
// repository, and the files the agent reads at run time (core/shipped.ts: the default rules, the
// runbooks, the model) are copied into dist/ under their repository paths. Source maps (*.map) are
// written beside the chunks for reading a stack trace (docs/footprint.md says why the agent does not
// load them itself).
//
// The dependencies' patches (patches/, e.g. kafkajs' idle timers, docs/kafka.md) are applied first:
// the bundle carries the dependencies' code, so it must be the patched code also when npm ran no
// postinstall (`npm ci --ignore-scripts`, as in the Dockerfile). patch-package leaves a patch that is
// already applied as it is.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'rolldown';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const DIST = path.join(REPO, 'dist');
/** The folder under dist/ that holds every chunk (core/shipped.ts depends on it being one level deep). */
const CHUNKS = 'agent';

/** Output name (under dist/, without .js) → source. The worker is a file of its own: `new Worker(url)` starts it. */
const ENTRIES = {
  [`${CHUNKS}/main`]: 'agent/main.ts',
  [`${CHUNKS}/retrain-worker`]: 'detectors/lstm/retrain/worker.ts',
};

/** Loaded from node_modules at run time: native code, found from the package's own files. */
const EXTERNAL = ['onnxruntime-node'];

/** Folders of files the agent reads at run time, and which of their files it reads. */
const SHIPPED: readonly (readonly [string, (file: string) => boolean])[] = [
  ['alerts/rules', (f) => f.endsWith('.rules.yml')],
  ['alerts/runbooks', (f) => f.endsWith('.md')],
  ['detectors/lstm/models', () => true],
];

/** The module that stands in for node:http in the bundle. */
const HTTP_SHIM = '\0vigil-node-http';
/** node:http's exports that are lazy getters loading Node's bundled undici, which the agent never uses. */
const UNDICI_GETTERS = new Set(['WebSocket', 'CloseEvent', 'MessageEvent']);
const nodeRequire = createRequire(import.meta.url);

/**
 * node:http is loaded with require(), not import. An ES module import of a built-in makes Node copy
 * every export into the module namespace, which runs the lazy getters among them; node:http's
 * WebSocket, CloseEvent and MessageEvent load Node's bundled undici (~0.8 MB of source, 74 modules):
 * 3.3 MB of RSS for a WebSocket client nothing here uses (docs/footprint.md, step 9). The stand-in
 * requires node:http and exports the rest of its exports by name, so imports of it (ours, and the
 * OTLP exporter's import('http')) stay as they are. Other built-ins are imported as usual: their
 * getters cost little, and some (fs.F_OK, crypto.fips) print a deprecation warning when read.
 */
const httpThroughRequire: Plugin = {
  name: 'http-through-require',
  resolveId(id, importer) {
    if (id === 'node:module' && importer === HTTP_SHIM) return { id, external: true };
    return id === 'http' || id === 'node:http' ? HTTP_SHIM : null;
  },
  load(id) {
    if (id !== HTTP_SHIM) return null;
    const names = Object.keys(nodeRequire('node:http') as object).filter((k) => !UNDICI_GETTERS.has(k));
    return [
      `import { createRequire } from 'node:module';`,
      `const http = createRequire(import.meta.url)('node:http');`,
      `export default http;`,
      `export const { ${names.join(', ')} } = http;`,
    ].join('\n');
  },
};

// Its report goes to stderr: `npm run package` prints one JSON line on stdout.
execFileSync(process.execPath, [path.join(REPO, 'node_modules', 'patch-package', 'index.js'), '--error-on-fail'], {
  cwd: REPO,
  stdio: ['ignore', process.stderr, 'inherit'],
});

const result = await build({
  cwd: REPO,
  input: ENTRIES,
  platform: 'node',
  external: EXTERNAL,
  plugins: [httpThroughRequire],
  onLog(level, log, handler) {
    // The textfile collector imports the collector registry with import() to break an import cycle,
    // not to load it lazily; rolldown says the import cannot move it to a chunk of its own.
    if (log.code === 'INEFFECTIVE_DYNAMIC_IMPORT' && log.message.includes('collectors/registry.ts')) return;
    handler(level, log);
  },
  output: {
    dir: DIST,
    cleanDir: true,
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: `${CHUNKS}/[name]-[hash].js`,
    // Function and class names are kept (a stack trace names the functions; `err.constructor.name`,
    // which pino logs as an error's type, stays the class's name): no measurable heap for it.
    minify: { compress: { keepNames: { function: true, class: true } }, mangle: { keepNames: true } },
    sourcemap: true,
  },
});

for (const file of result.output) {
  if (path.dirname(file.fileName) !== CHUNKS && !file.fileName.endsWith('.map')) {
    throw new Error(`scripts/build.ts: ${file.fileName} is not in dist/${CHUNKS}/, where core/shipped.ts expects every chunk`);
  }
}

for (const [dir, wanted] of SHIPPED) {
  mkdirSync(path.join(DIST, dir), { recursive: true });
  for (const f of readdirSync(path.join(REPO, dir))) if (wanted(f)) copyFileSync(path.join(REPO, dir, f), path.join(DIST, dir, f));
}
