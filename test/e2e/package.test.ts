// The container image's content, run as the image would run it, without a container engine:
// `npm run package` builds build/package/ (what the Dockerfile copies to /app), and bubblewrap runs
// the agent from it in a root made only of the OS userland (read-only, like a distroless base), Node
// at /nodejs/bin/node as in the distroless image, /app read-only, the host's /proc, /sys and / at
// /host/..., and one writable directory: the state dir at /var/lib/vigil. The whole root is then
// remounted read-only (readOnlyRootFilesystem), and the agent runs as uid/gid 65532 (the image's
// non-root user) through setpriv, so the kernel's own permission checks apply.
//
// Why setpriv and not `bwrap --unshare-user --uid 65532`: both work here as root, but inside a user
// namespace only the mapped uid exists, so files owned by the real 65532 (the state dir) would show
// as "nobody"; with setpriv the uid is real. See docs/install.md.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PACKAGE_DIR, STAMP } from '../../scripts/package.ts';
import { type AgentPeer, REPO_ROOT, agentMethods } from '../peers/agent.ts';
import { startHttpPeer } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';
import { RUNTIME_ENV, RUNTIME_FLAGS } from '../../agent/runtime-flags.ts';

const run = promisify(execFile);
const NONROOT = 65532;
const IS_ROOT = process.getuid?.() === 0;
/** `npm run package` output for the tests: a cache outside the work tree (vitest and eslint scan the tree). */
const PKG = path.join(homedir(), '.cache', 'vigil', 'package');
const SHIPPED_MODEL = path.join(REPO_ROOT, 'detectors/lstm/models/vigil-lstm.onnx');
/** Node 24 from the node npm package: the image provides it; the package does not carry it. */
const NODE = realpathSync(process.execPath);
/** The image's command (Dockerfile ENTRYPOINT + CMD), after the Node binary. */
const ENTRYPOINT = [...RUNTIME_FLAGS, 'dist/agent/main.js', 'run'];
const HOST_FLAGS = ['--path.procfs=/host/proc', '--path.sysfs=/host/sys', '--path.rootfs=/host/root'];

let stateDir: string;
let agent: AgentPeer | undefined;

/** bwrap arguments for the image's filesystem; `command` runs inside it as uid/gid 65532. */
function sandbox(command: readonly string[]): string[] {
  return [
    // Own pid namespace: when bwrap dies, everything in it dies (setpriv's uid change clears the
    // parent-death signal of the agent itself, so --die-with-parent alone would leave it running).
    '--unshare-pid',
    '--die-with-parent',
    // bwrap makes mount points 0700 on its tmpfs root; the image's directories are 0755.
    ...['/nodejs', '/nodejs/bin', '/host', '/var', '/var/lib'].flatMap((d) => ['--perms', '0755', '--dir', d]),
    // The OS userland of the base image (libc, CA certificates, tzdata, /etc/passwd).
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--symlink',
    'usr/bin',
    '/bin',
    '--ro-bind',
    '/etc',
    '/etc',
    '--ro-bind',
    NODE,
    '/nodejs/bin/node',
    '--ro-bind',
    PKG,
    '/app',
    // The DaemonSet's host mounts.
    '--ro-bind',
    '/proc',
    '/host/proc',
    '--ro-bind',
    '/sys',
    '/host/sys',
    '--ro-bind',
    '/',
    '/host/root',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // The one writable place: the state volume.
    '--bind',
    stateDir,
    '/var/lib/vigil',
    '--remount-ro',
    '/',
    '--chdir',
    '/app',
    '--clearenv',
    '--setenv',
    'PATH',
    '/nodejs/bin',
    '--setenv',
    'HOME',
    '/var/lib/vigil',
    '--setenv',
    'TMPDIR',
    '/var/lib/vigil',
    '--setenv',
    'NODE_ENV',
    'production',
    '--',
    '/usr/bin/setpriv',
    `--reuid=${NONROOT}`,
    `--regid=${NONROOT}`,
    '--clear-groups',
    '--',
    ...command,
  ];
}

/** Every file path under `dir`, relative, with size and mtime: a fingerprint to compare. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out.push(`${path.relative(dir, p)} ${st.size} ${st.mtimeMs}`);
      }
    }
  };
  walk(dir);
  return out.sort();
}

let packageBefore: string[];

/** Processes below `pid` (from /proc): the base name of their program and their real uid. */
function descendants(pid: number): { pid: number; comm: string; uid: number }[] {
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const status = readFileSync(`/proc/${d}/status`, 'utf8');
        const field = (k: string) => new RegExp(`^${k}:\\s+(\\S+)`, 'm').exec(status)?.[1] ?? '';
        const comm = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0')[0] ?? '';
        return [{ pid: Number(d), ppid: Number(field('PPid')), comm: path.basename(comm), uid: Number(field('Uid')) }];
      } catch {
        return []; // exited meanwhile
      }
    });
  const out: { pid: number; comm: string; uid: number }[] = [];
  const walk = (parent: number): void => {
    for (const p of all.filter((q) => q.ppid === parent)) {
      out.push({ pid: p.pid, comm: p.comm, uid: p.uid });
      walk(p.pid);
    }
  };
  walk(pid);
  return out;
}

beforeAll(async () => {
  if (!IS_ROOT) return;
  // Builds the package, or reuses it when nothing it is made from changed.
  await run(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package.ts'), '--if-stale', '--out', PKG], {
    cwd: REPO_ROOT,
    timeout: 540_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  packageBefore = listing(PKG);
  stateDir = mkdtempSync(path.join(tmpdir(), 'vigil-package-state-'));
  chownSync(stateDir, NONROOT, NONROOT);
  agent = await startHttpPeer(
    {
      name: 'vigil (package, sandboxed)',
      launch: (listen) => ({
        command: 'bwrap',
        args: sandbox(['/nodejs/bin/node', ...ENTRYPOINT, '--listen', listen, '--interval', '1s', '--log-level', 'info', ...HOST_FLAGS]),
        // The image's ENV (checked against the Dockerfile below), so the agent need not re-execute.
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...RUNTIME_ENV },
      }),
      readyPaths: ['/healthz', '/readyz'],
      portTaken: /EADDRINUSE/,
      timeoutMs: 60_000,
    },
    (peer) => ({
      ...agentMethods(peer),
      // bwrap does not pass signals on: SIGTERM goes to the agent itself (a descendant of our pid),
      // as a container runtime sends it to the entrypoint; SIGKILL goes to bwrap, which takes the
      // whole pid namespace with it.
      stop: async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) => {
        if (signal === 'SIGKILL') return peer.stop('SIGKILL');
        for (const p of descendants(peer.pid).filter((d) => d.comm === 'node')) process.kill(p.pid, signal);
        const exited = await Promise.race([peer.exited, sleep(graceMs, undefined)]);
        return exited ?? peer.stop('SIGKILL');
      },
    }),
  );
}, 600_000);

afterAll(async () => {
  await agent?.stop();
  if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
});

// Switching to uid 65532 (setpriv) and handing it the state dir (chown) need root, as in CI.
describe.skipIf(!IS_ROOT)('the packaged agent (build/package) in a read-only root as uid 65532', () => {
  it('the package holds compiled JS, production modules, linux/x64 onnxruntime only, and no Node', () => {
    const pkg = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies?: unknown };
    expect(pkg.devDependencies).toBeUndefined();
    expect(pkg.dependencies.node).toBeUndefined();
    const modules = readdirSync(path.join(PKG, 'node_modules'));
    for (const dev of ['vitest', 'typescript', 'eslint', 'kubernetes-models', 'playwright-core', 'node']) expect(modules, dev).not.toContain(dev);
    const napi = path.join(PKG, 'node_modules/onnxruntime-node/bin/napi-v6');
    expect(readdirSync(napi)).toEqual(['linux']);
    expect(readdirSync(path.join(napi, 'linux'))).toEqual(['x64']);
    expect(statSync(path.join(PKG, 'dist/agent/main.js')).isFile()).toBe(true);
    expect(readdirSync(path.join(PKG, 'dist'), { recursive: true }).some((f) => String(f).endsWith('.ts'))).toBe(false);
    expect(statSync(path.join(PKG, STAMP)).isFile()).toBe(true);
    // The shipped model, where the compiled detector looks for it.
    if (existsSync(SHIPPED_MODEL)) expect(statSync(path.join(PKG, 'dist/detectors/lstm/models/vigil-lstm.onnx')).size).toBe(statSync(SHIPPED_MODEL).size);
  });

  it("loads node:http without Node's undici (scripts/build.ts requires it instead of importing it)", async () => {
    // Printed at exit by the process that runs the agent's code (after the re-exec).
    const probe = `process.on('exit', () => { const l = process.moduleLoadList; process.stderr.write(JSON.stringify({ http: l.includes('NativeModule http'), undici: l.some((m) => m.includes('undici')) })); });`;
    const { stderr } = await run(NODE, ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, path.join(PKG, 'dist/agent/main.js'), '--version']);
    expect(JSON.parse(stderr)).toEqual({ http: true, undici: false });
  });

  it('runs as 65532 and serves host metrics read through /host', async () => {
    const e = parsePromText(await agent!.scrape());
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(scalar(e, 'node_memory_MemTotal_bytes')).toBe(memTotalKb * 1024);
    expect(e.families.get('node_cpu_seconds_total')?.samples.length).toBeGreaterThan(0);
    expect(e.families.get('node_uname_info')?.samples[0]?.labels.nodename).toBe(hostname());
    // The packaged model loads in the read-only root (onnxruntime-node's linux/x64 binary is enough).
    if (existsSync(SHIPPED_MODEL)) expect(scalar(e, 'vigil_detector_up')).toBe(1);
    const rootFs = e.families.get('node_filesystem_size_bytes')?.samples.find((s) => s.labels.mountpoint === '/');
    expect(rootFs?.value).toBeGreaterThan(0);
    // bwrap → setpriv, which execs node: the node process under bwrap runs as 65532.
    expect(
      descendants(agent!.pid)
        .filter((p) => p.comm === 'node')
        .map((p) => p.uid),
    ).toEqual([NONROOT]);
  });

  it('matches the Dockerfile: what it copies, its user and entrypoint; its HEALTHCHECK passes', async () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^COPY --from=build .*/src/${path.relative(REPO_ROOT, PACKAGE_DIR)}/ /app/$`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^USER ${NONROOT}:${NONROOT}$`, 'm'));
    const json = (directive: string): string[] =>
      JSON.parse(new RegExp(`^${directive}.*?(\\[.*\\])$`, 'm').exec(dockerfile.replace(/\\\n\s*/g, ''))![1]!) as string[];
    expect(json('ENTRYPOINT')).toEqual(['/nodejs/bin/node', ...ENTRYPOINT]);
    for (const [k, v] of Object.entries(RUNTIME_ENV)) expect(dockerfile).toMatch(new RegExp(`^ENV .*\\b${k}=${v}\\b`, 'm'));
    expect(json('CMD')).toEqual(HOST_FLAGS);
    const [node, ...check] = json('HEALTHCHECK');
    expect(node).toBe('/nodejs/bin/node');
    // The image listens on 9464; this agent on a free port.
    const script = check.map((a) => a.replace('127.0.0.1:9464', `127.0.0.1:${agent!.port}`));
    await expect(run('bwrap', sandbox(['/nodejs/bin/node', ...script]))).resolves.toBeDefined();
    await expect(run('bwrap', sandbox(['/nodejs/bin/node', ...script.map((a) => a.replace('/healthz', '/nothing-here'))]))).rejects.toThrow();
  });

  it('writes nothing outside the state dir: the package is unchanged, and no write failed', async () => {
    await agent!.stop();
    expect(agent!.exit?.code).toBe(0);
    expect(listing(PKG)).toEqual(packageBefore);
    const output = agent!.stdout() + agent!.stderr();
    expect(output).not.toMatch(/EROFS|EACCES|read-only file system/i);
    expect(agent!.logs().filter((ev) => ev.level >= 50 && ev.code !== 'VIGIL_ERR_MODEL_INVALID')).toEqual([]);
    // Whatever the agent kept is in the state dir and belongs to the non-root user.
    for (const f of readdirSync(stateDir, { recursive: true })) expect(statSync(path.join(stateDir, String(f))).uid, String(f)).toBe(NONROOT);
  });

  it('the sandbox really is read-only outside /var/lib/vigil (the check above could fail)', async () => {
    const probe = (target: string) =>
      run('bwrap', sandbox(['/usr/bin/touch', target])).then(
        () => 'written',
        (err: { stderr?: string }) => err.stderr ?? 'failed',
      );
    expect(await probe('/app/x')).toMatch(/Read-only file system/);
    expect(await probe('/tmp-x')).toMatch(/Read-only file system|Permission denied/);
    expect(await probe('/var/lib/vigil/x')).toBe('written');
    rmSync(path.join(stateDir, 'x'), { force: true });
  });
});
