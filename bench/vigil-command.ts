// Vigil is measured the way it is deployed: the node flags and entry point of package.json's
// "start" script (e.g. `node --max-semi-space-size=1 dist/agent/main.js run`). When that entry point
// is a build output, the build is run first, so that the figures describe the current source.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, type ServiceSpec } from './processes.ts';

export interface VigilCommand {
  /** Flags for node before the entry point. */
  readonly nodeArgs: readonly string[];
  /** Absolute path of the entry point. */
  readonly main: string;
  /** Arguments after the entry point (the subcommand, `run`). */
  readonly args: readonly string[];
  /** The start script as written, for BENCHMARKS.md. */
  readonly script: string;
}

const BUILD_TIMEOUT_MS = 180_000;

export function vigilCommand(root: string): VigilCommand {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> };
  const script = pkg.scripts?.start;
  if (script === undefined) throw new Error('package.json has no "start" script to run Vigil with');
  // A plain `node [flags] <entry> [args]` line is all this understands; anything else is refused
  // rather than guessed at.
  const tokens = script.trim().split(/\s+/);
  const entry = tokens.findIndex((t) => /\.(m?js|ts)$/.test(t));
  if (tokens[0] !== 'node' || entry < 0 || /["'$;&|`]/.test(script)) {
    throw new Error(`cannot run package.json "start" (${script}): expected "node [flags] <entry> [args]"`);
  }
  return { nodeArgs: tokens.slice(1, entry), main: path.resolve(root, tokens[entry]!), args: tokens.slice(entry + 1), script };
}

/** Runs `npm run build` when the entry point is build output (not a .ts file run directly). */
export function buildIfNeeded(root: string, command: VigilCommand, log: (message: string) => void): void {
  if (command.main.endsWith('.ts')) return;
  log(`building (${path.relative(root, command.main)} is build output)`);
  // Build output goes to our stderr: stdout is not ours to write to.
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2], timeout: BUILD_TIMEOUT_MS });
  if (!existsSync(command.main)) throw new Error(`npm run build did not produce ${command.main}`);
}

/** A Vigil child on a free loopback port; `interval` unset means the default (10 s). */
/**
 * A config that leaves only collection and serving: no detector, no rules. node_exporter does
 * neither, so this is the like-for-like comparison; the detector and rule sections measure the rest.
 */
function collectOnlyArgs(): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-collect-only-'));
  const rules = path.join(dir, 'none.rules.yml');
  writeFileSync(rules, 'groups: []\n');
  const config = path.join(dir, 'vigil.yml');
  writeFileSync(config, `detector:\n  enabled: false\nalerting:\n  ruleFiles: [${JSON.stringify(rules)}]\n`);
  return ['-c', config, '--state-dir', path.join(dir, 'state')];
}

export async function vigilService(command: VigilCommand, opts: { interval?: string; readyTimeoutMs: number; collectOnly?: boolean }): Promise<ServiceSpec> {
  const port = await freePort();
  // The caller's VIGIL_* variables (a config file, say) would change what is measured.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  return {
    name: 'vigil',
    command: process.execPath,
    args: [
      ...command.nodeArgs,
      command.main,
      ...command.args,
      ...['--listen', `127.0.0.1:${port}`, '--log-level', 'warn'],
      ...(opts.interval !== undefined ? ['--interval', opts.interval] : []),
      ...(opts.collectOnly === true ? collectOnlyArgs() : []),
    ],
    port,
    readyPath: '/readyz',
    readyTimeoutMs: opts.readyTimeoutMs,
    env,
  };
}
