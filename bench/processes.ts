// The programs under test, run as child processes on loopback ports the kernel picked. Every child
// is remembered so that it is killed (by its pid) however the bench ends.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What a child printed last; kept short, shown only when it failed to start. */
const OUTPUT_TAIL_BYTES = 4096;
const READY_POLL_MS = 100;

const running = new Set<ChildProcess>();

// A crash or Ctrl-C of the bench must not leave agents listening behind it.
process.on('exit', () => {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

/** A free loopback port: listen on port 0, note what the kernel gave, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface Service {
  readonly name: string;
  readonly pid: number;
  readonly metricsUrl: string;
  /** SIGSTOP: the program uses no CPU at all while another one is measured. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  stop(): Promise<void>;
}

export interface ServiceSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly port: number;
  /** Answers 200 once the service is ready to be measured. */
  readonly readyPath: string;
  readonly readyTimeoutMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

export async function startService(spec: ServiceSpec): Promise<Service> {
  const child = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'], env: spec.env ?? process.env });
  running.add(child);
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  child.once('error', (err) => keep(Buffer.from(`spawn error: ${err.message}\n`)));

  const base = `http://127.0.0.1:${spec.port}`;
  const attempts = Math.ceil(spec.readyTimeoutMs / READY_POLL_MS);
  let ready = false;
  for (let i = 0; i < attempts && !exitedEarly && !ready; i++) {
    ready = await fetch(base + spec.readyPath, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await sleep(READY_POLL_MS);
  }
  const stop = async (): Promise<void> => {
    if (!running.has(child)) return;
    running.delete(child);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // A paused child would hold SIGTERM pending until continued.
      child.kill('SIGCONT');
      // An agent that does not stop in time is killed: the next measurement needs the CPU.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  if (!ready || child.pid === undefined) {
    await stop();
    throw new Error(`${spec.name} did not become ready in ${spec.readyTimeoutMs} ms; its output:\n${tail}`);
  }
  return {
    name: spec.name,
    pid: child.pid,
    metricsUrl: `${base}/metrics`,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    stop,
  };
}
