// Child processes for tests: start one, keep its output, stop it by the pid we started (never by
// name), and wait for its HTTP endpoints. Shared by the agent, node_exporter and Prometheus helpers.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Peer {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<Exit>;
  /** The exit, once it happened. */
  readonly exit: Exit | undefined;
  stdout(): string;
  stderr(): string;
  /** Sends `signal` to our pid, waits up to graceMs, then SIGKILLs that pid. Safe to call twice. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<Exit>;
}

/** Output kept per stream; enough for every assertion, bounded so a chatty peer cannot grow forever. */
const MAX_OUTPUT = 8 * 1024 * 1024;

export interface SpawnOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Pids of peers started by this process and not yet exited. */
const live = new Set<number>();
let exitHookInstalled = false;

/**
 * Last line of defence: a test file that dies before its afterAll must not leave peers running, so
 * whatever this process started and is still alive gets SIGKILL (by pid) when this process exits.
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  });
}

export async function spawnPeer(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}): Promise<Peer> {
  const child: ChildProcess = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) {
    const err = await new Promise<Error>((resolve) => child.once('error', resolve));
    throw new Error(`${name}: cannot start ${command}: ${err.message} (the test peers are installed by test/peers/install.sh)`);
  }
  const pid = child.pid;
  installExitHook();
  live.add(pid);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    if (out.length < MAX_OUTPUT) out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (err.length < MAX_OUTPUT) err += d;
  });
  let exit: Exit | undefined;
  // 'close' rather than 'exit': by then stdout and stderr are fully read.
  const exited = new Promise<Exit>((resolve) =>
    child.once('close', (code, signal) => {
      live.delete(pid);
      exit = { code, signal };
      resolve(exit);
    }),
  );
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<Exit> => {
    if (exit !== undefined) return exit;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
    const done = await Promise.race([exited, sleep(graceMs, undefined)]);
    if (done !== undefined) return done;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Exited in between.
    }
    return exited;
  };
  return {
    name,
    pid,
    exited,
    get exit() {
      return exit;
    },
    stdout: () => out,
    stderr: () => err,
    stop,
  };
}

/** The last lines of a peer's output, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it). Peers retry on a lost race. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr !== null ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:port right now. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/** Thrown by a start function when the peer could not bind its port (another process took it). */
export class PortTakenError extends Error {}

/**
 * Waits for every start to finish, then throws the first failure. Unlike Promise.all, it does not
 * return while a peer is still starting, so afterAll sees every peer that did start (assign each
 * peer in its own `.then`).
 */
export async function settleAll(starts: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(starts)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Runs start(port) with fresh free ports until one is not taken by someone else in the meantime. */
export async function withFreePort<T>(start: (port: number) => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start(await freePort());
    } catch (err) {
      if (!(err instanceof PortTakenError) || i >= attempts) throw err;
    }
  }
}

export interface WaitOptions {
  readonly status?: number;
  readonly timeoutMs?: number;
  /** Give up at once, with its output, when this peer exits while we wait. */
  readonly peer?: Peer;
  /** Turns an early exit into PortTakenError when the peer's output says the address was in use. */
  readonly portTaken?: RegExp;
}

/** Polls url until it answers `status` (default 200). */
export async function waitForHttp(url: string, opts: WaitOptions = {}): Promise<void> {
  const want = opts.status ?? 200;
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let last: string;
  for (;;) {
    const peer = opts.peer;
    if (peer?.exit !== undefined) {
      const output = `${peer.stderr()}\n${peer.stdout()}`;
      const msg = `${peer.name} exited (code ${peer.exit.code}, signal ${peer.exit.signal}) before ${url} answered ${want}:\n${tail(output)}`;
      if (opts.portTaken?.test(output)) throw new PortTakenError(msg);
      throw new Error(msg);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === want) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`${url} did not answer ${want} in time (last: ${last})${peer ? `\n${peer.name} output:\n${tail(peer.stderr() + peer.stdout())}` : ''}`);
    }
    await sleep(100);
  }
}

/** GET url; the body as text, failing on any status but 200. */
export async function getText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}: ${body.slice(0, 500)}`);
  return body;
}

/** What to run for an HTTP peer once its listen address is known. */
interface HttpPeerLaunch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export interface HttpPeerOptions {
  readonly name: string;
  /** The command for `listen` (127.0.0.1:<free port>). */
  launch(listen: string): HttpPeerLaunch;
  /** Paths polled in order until each answers 200; the first also tells a lost port race. */
  readonly readyPaths: readonly string[];
  /** The peer's own words for "address in use", turned into PortTakenError (another port is tried). */
  readonly portTaken: RegExp;
  readonly timeoutMs?: number;
}

export interface HttpPeer extends Peer {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
}

/**
 * Spawns a peer that serves HTTP on a free loopback port, waits until it answers, and kills it (by
 * pid) if it never does. `extend` adds the peer's own methods; it may replace `stop` (calling the
 * `stop` of the peer it is given). `exit` stays live on the returned object.
 */
export function startHttpPeer(opts: HttpPeerOptions): Promise<HttpPeer>;
export function startHttpPeer<X extends object>(opts: HttpPeerOptions, extend: (peer: HttpPeer) => X): Promise<Omit<HttpPeer, keyof X> & X>;
export function startHttpPeer<X extends object>(opts: HttpPeerOptions, extend?: (peer: HttpPeer) => X): Promise<HttpPeer | (Omit<HttpPeer, keyof X> & X)> {
  return withFreePort(async (port) => {
    const listen = `127.0.0.1:${port}`;
    const { command, args, ...spawnOpts } = opts.launch(listen);
    const peer = await spawnPeer(opts.name, command, args, spawnOpts);
    const url = `http://${listen}`;
    try {
      for (const [i, p] of opts.readyPaths.entries()) {
        await waitForHttp(`${url}${p}`, { peer, portTaken: i === 0 ? opts.portTaken : undefined, timeoutMs: opts.timeoutMs });
      }
    } catch (err) {
      await peer.stop('SIGKILL');
      throw err;
    }
    // Spreading a Peer copies `exit` as it is now; the getter keeps it live.
    const base: HttpPeer = {
      ...peer,
      get exit(): Exit | undefined {
        return peer.exit;
      },
      port,
      url,
    };
    if (extend === undefined) return base;
    return {
      ...base,
      ...extend(base),
      get exit(): Exit | undefined {
        return peer.exit;
      },
    };
  });
}

export interface UntilOptions {
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** More to say when it times out (what was received so far, a peer's log tail). */
  readonly context?: () => string;
}

/**
 * Polls `probe` until it returns something other than undefined or false, and returns that: tests
 * wait for the event itself, never for a fixed time. A probe that throws is retried; its last error
 * is reported if the wait times out.
 */
export async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, opts: UntilOptions = {}): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const extra = opts.context ? `\n${opts.context()}` : '';
      throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${extra}`);
    }
    await sleep(opts.intervalMs ?? 150);
  }
}
