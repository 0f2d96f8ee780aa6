// `npm run package`: the directory the container image is made of (build/package/), and nothing
// else: the bundled JavaScript, production dependencies only, onnxruntime-node's linux/x64 CPU
// binaries only, the shipped alert rules, runbooks, Alertmanager example and model. The image
// provides Node 24, so the `node` npm package (a whole Node binary) is left out.
//
//   node scripts/package.ts             build and package into build/package/
//   node scripts/package.ts --out DIR   into DIR instead (the tests use a cache under $HOME, so
//                                       that no copy of node_modules lands inside the work tree)
//   node scripts/package.ts --if-stale  reuse the package when nothing it is made from changed
//
// Prints one JSON line with sizes (bytes) so the numbers behind the trimming are on record.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../', import.meta.url));
export const PACKAGE_DIR = path.join(REPO, 'build', 'package');
/** Written last: a package without it is incomplete. */
export const STAMP = '.vigil-package.json';

/**
 * What is copied as it is (when present): the rules, runbooks and Alertmanager example for people and
 * for configs that name them (deploy/kubernetes/vigil.yaml's ruleFiles, relative to /app), and the
 * notices. The agent itself reads its shipped files from dist/, where `npm run build` copies the
 * default rules, the runbooks and the model (core/shipped.ts).
 */
const ASSETS = ['alerts/rules', 'alerts/runbooks', 'alerts/alertmanager', 'LICENSE', 'README.md'];
/** Sources of the bundled JavaScript (scripts/build.ts) and of the dependency tree. */
const INPUTS = [
  'core',
  'agent',
  'collectors',
  'sinks',
  'detectors',
  'alerts',
  'web',
  'detectors/lstm/models',
  'package.json',
  'package-lock.json',
  'patches',
  'tsconfig.json',
  'scripts/build.ts',
  'scripts/package.ts',
];
/** The platform the image runs on; onnxruntime-node ships every platform in one npm package. */
const PLATFORM = { os: 'linux', arch: 'x64' };
/** Dependencies the image provides itself. */
const PROVIDED = ['node'];

function sh(cmd: string, args: readonly string[], cwd = REPO): void {
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip', npm_config_onnxruntime_node_install: 'skip' },
  });
}

/** Bytes under `p` (files only, links not followed). */
function sizeOf(p: string): number {
  const st = statSync(p, { throwIfNoEntry: false });
  if (st === undefined) return 0;
  if (!st.isDirectory()) return st.isFile() ? st.size : 0;
  let total = 0;
  for (const e of readdirSync(p)) total += sizeOf(path.join(p, e));
  return total;
}

/** Newest modification time under `p`. */
function newest(p: string): number {
  const st = statSync(p, { throwIfNoEntry: false });
  if (st === undefined) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of readdirSync(p)) t = Math.max(t, newest(path.join(p, e)));
  return t;
}

const lockHash = (): string =>
  createHash('sha256')
    .update(readFileSync(path.join(REPO, 'package-lock.json')))
    .digest('hex');

/** True when build/package is complete and nothing it is made from changed since. */
function isFresh(out = PACKAGE_DIR): boolean {
  const stamp = path.join(out, STAMP);
  if (!existsSync(stamp)) return false;
  const made = statSync(stamp).mtimeMs;
  const { lock } = JSON.parse(readFileSync(stamp, 'utf8')) as { lock?: string };
  return lock === lockHash() && [...INPUTS, ...ASSETS].every((p) => newest(path.join(REPO, p)) < made);
}

/** Deletes onnxruntime-node's binaries for other platforms and GPU execution providers. */
function trimOnnxRuntime(modules: string): void {
  const bin = path.join(modules, 'onnxruntime-node', 'bin');
  if (!existsSync(bin)) return;
  for (const napi of readdirSync(bin)) {
    for (const os of readdirSync(path.join(bin, napi))) {
      const osDir = path.join(bin, napi, os);
      if (os !== PLATFORM.os) {
        rmSync(osDir, { recursive: true, force: true });
        continue;
      }
      for (const arch of readdirSync(osDir)) {
        const archDir = path.join(osDir, arch);
        if (arch !== PLATFORM.arch) {
          rmSync(archDir, { recursive: true, force: true });
          continue;
        }
        // CUDA/TensorRT providers come from an install script Vigil skips; drop any that are there.
        for (const f of readdirSync(archDir)) if (/providers_(cuda|tensorrt|rocm|migraphx|openvino)/.test(f)) rmSync(path.join(archDir, f));
      }
    }
  }
}

/** package.json as the package needs it: runtime fields only, without what the image provides. */
function runtimePackageJson(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Record<string, unknown> & {
    dependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  const dependencies = Object.fromEntries(Object.entries(pkg.dependencies).filter(([name]) => !PROVIDED.includes(name)));
  const { devDependencies: _dev, scripts, ...rest } = pkg;
  return JSON.stringify({ ...rest, dependencies, scripts: { start: scripts.start } }, null, 2) + '\n';
}

function buildPackage(out = PACKAGE_DIR): Record<string, number> {
  sh('npm', ['run', '--silent', 'build']);
  rmSync(out, { recursive: true, force: true });
  cpSync(path.join(REPO, 'dist'), path.join(out, 'dist'), { recursive: true, filter: (src) => !src.endsWith('.map') });
  for (const a of ASSETS) {
    const src = path.join(REPO, a);
    if (existsSync(src)) cpSync(src, path.join(out, a), { recursive: true, filter: (s) => !/\.test\.(ts|ya?ml)$/.test(s) });
  }
  cpSync(path.join(REPO, 'package.json'), path.join(out, 'package.json'));
  cpSync(path.join(REPO, 'package-lock.json'), path.join(out, 'package-lock.json'));
  // The lock file pins the tree; no scripts: the project's own `prepare` would compile sources that
  // are not here, and onnxruntime-node's would download GPU binaries.
  sh('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], out);
  const modules = path.join(out, 'node_modules');
  // Without scripts, the postinstall that patches dependencies did not run: the patches (patches/,
  // e.g. kafkajs' idle timers, docs/kafka.md) are applied here, with the repository's patch-package.
  // Its report goes to stderr: this script's stdout is one JSON line.
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules', 'patch-package', 'index.js'), '--error-on-fail', '--patch-dir', path.relative(out, path.join(REPO, 'patches'))],
    { cwd: out, stdio: ['ignore', process.stderr, 'inherit'] },
  );
  for (const name of PROVIDED) rmSync(path.join(modules, name), { recursive: true, force: true });
  rmSync(path.join(modules, '.bin'), { recursive: true, force: true });
  const onnxBefore = sizeOf(path.join(modules, 'onnxruntime-node'));
  trimOnnxRuntime(modules);
  const onnxAfter = sizeOf(path.join(modules, 'onnxruntime-node'));
  writeFileSync(path.join(out, 'package.json'), runtimePackageJson());
  rmSync(path.join(out, 'package-lock.json'));
  const sizes = {
    onnxruntimeBefore: onnxBefore,
    onnxruntimeAfter: onnxAfter,
    nodeModules: sizeOf(modules),
    dist: sizeOf(path.join(out, 'dist')),
    total: sizeOf(out),
  };
  writeFileSync(path.join(out, STAMP), JSON.stringify({ lock: lockHash(), sizes }, null, 2) + '\n');
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 && process.argv[i + 1] !== undefined ? path.resolve(process.argv[i + 1]!) : PACKAGE_DIR;
  if (process.argv.includes('--if-stale') && isFresh(out)) {
    console.log(JSON.stringify({ package: out, reused: true }));
  } else {
    const sizes = buildPackage(out);
    console.log(JSON.stringify({ package: out, sizes }));
  }
}
