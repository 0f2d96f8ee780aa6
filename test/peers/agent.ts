// The agent as a real child process: `node agent/main.ts …` with the Node that runs the tests
// (Node 24 under vitest), its pino JSON logs captured for assertions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HttpPeer, type Peer, getText, spawnPeer, startHttpPeer, tail } from './child.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL('../../agent/main.ts', import.meta.url));

/** One pino log event (the fields tests look at; the rest stays available by key). */
export interface LogEvent {
  readonly level: number;
  readonly msg: string;
  readonly [key: string]: unknown;
}

/** The environment for the agent: ours without any VIGIL_* (a developer's shell must not leak in), plus `extra`. */
function agentEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('VIGIL_')) env[k] = v;
  return { ...env, ...extra };
}

function checkNode(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    throw new Error(`the agent needs Node >= 22.18 (type stripping); tests run on ${process.version}: run vitest from node_modules/.bin with Node 24`);
  }
}

/** Starts `node agent/main.ts <args>` and returns at once (no waiting for anything). */
export function spawnAgent(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<Peer> {
  checkNode();
  return spawnPeer('vigil', process.execPath, [AGENT_MAIN, ...args], { cwd: REPO_ROOT, env: agentEnv(env) });
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a short-lived CLI command (--version, --help, check-config) to its end. */
export async function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}, timeoutMs = 20_000): Promise<CliResult> {
  const peer = await spawnAgent(args, env);
  const timer = setTimeout(() => void peer.stop('SIGKILL'), timeoutMs);
  const exit = await peer.exited;
  clearTimeout(timer);
  return { ...exit, stdout: peer.stdout(), stderr: peer.stderr() };
}

/** Parses the agent's stdout: one JSON event per line; anything else is not a log event and is skipped. */
function parseLogs(stdout: string): LogEvent[] {
  const out: LogEvent[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const ev = JSON.parse(line) as LogEvent;
      if (typeof ev.level === 'number' && typeof ev.msg === 'string') out.push(ev);
    } catch {
      // A line cut by the capture limit.
    }
  }
  return out;
}

export interface AgentPeer extends HttpPeer {
  logs(): LogEvent[];
  /** The first log event matching `pred`, waiting for it (logs are written asynchronously). */
  waitForLog(pred: (ev: LogEvent) => boolean, timeoutMs?: number): Promise<LogEvent>;
  /** GET /metrics as text. */
  scrape(): Promise<string>;
}

export interface StartAgentOptions {
  /** --interval; omitted when undefined. */
  readonly interval?: string;
  /** Flags after `run --listen … --interval …`. */
  readonly args?: readonly string[];
  /** Extra environment variables (VIGIL_* are otherwise removed). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * 'flag' (default): pass --listen 127.0.0.1:<free port>. 'env': set VIGIL_LISTEN instead.
   */
  readonly listenVia?: 'flag' | 'env';
  /** Wait for /readyz 200 (the first tick); otherwise for /healthz only. Default true. */
  readonly waitReady?: boolean;
  readonly timeoutMs?: number;
}

const LISTEN_FAILED = /VIGIL_ERR_LISTEN_FAILED.*EADDRINUSE/;

/** Starts `vigil run` on a free loopback port and waits until it serves (and by default is ready). */
export function startAgent(opts: StartAgentOptions = {}): Promise<AgentPeer> {
  checkNode();
  return startHttpPeer(
    {
      name: 'vigil',
      launch: (listen) => {
        const args = ['run'];
        const env: Record<string, string> = { ...opts.env };
        // Each agent keeps its state (detector, rule history) in a fresh directory unless the test
        // chooses one (flag, env or config file — the env would override a file's stateDir): runs must
        // not share, or leave behind, state in /var/lib/vigil.
        const chosen = (opts.args ?? []).some((a) => a.startsWith('--state-dir') || a.startsWith('--config') || a === '-c');
        if (env.VIGIL_STATE_DIR === undefined && !chosen) {
          env.VIGIL_STATE_DIR = mkdtempSync(path.join(tmpdir(), 'vigil-state-'));
        }
        if ((opts.listenVia ?? 'flag') === 'flag') args.push('--listen', listen);
        else env.VIGIL_LISTEN = listen;
        if (opts.interval !== undefined) args.push('--interval', opts.interval);
        args.push(...(opts.args ?? []));
        return { command: process.execPath, args: [AGENT_MAIN, ...args], cwd: REPO_ROOT, env: agentEnv(env) };
      },
      readyPaths: (opts.waitReady ?? true) ? ['/healthz', '/readyz'] : ['/healthz'],
      portTaken: LISTEN_FAILED,
      timeoutMs: opts.timeoutMs ?? 30_000,
    },
    agentMethods,
  );
}

/** Log and scrape access for an agent that serves HTTP (from the sources here, or a packaged one elsewhere). */
export function agentMethods(peer: HttpPeer): Pick<AgentPeer, 'logs' | 'waitForLog' | 'scrape'> {
  return {
    logs: () => parseLogs(peer.stdout()),
    waitForLog: async (pred, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const ev = parseLogs(peer.stdout()).find(pred);
        if (ev !== undefined) return ev;
        if (Date.now() > deadline || peer.exit !== undefined) {
          throw new Error(`no such log event from the agent within ${timeoutMs} ms; its output:\n${tail(peer.stdout() + peer.stderr())}`);
        }
        await sleep(50);
      }
    },
    scrape: () => getText(`${peer.url}/metrics`),
  };
}
