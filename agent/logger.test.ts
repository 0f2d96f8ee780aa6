import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('./testdata/blocked-stdout.ts', import.meta.url));

/** Runs the script with a stdout pipe that is never read; resolves to its exit code or "hung". */
async function runBlocked(mode: 'bounded' | 'unbounded', waitMs: number): Promise<number | null | 'hung'> {
  const child = spawn(process.execPath, [SCRIPT, mode], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.pause();
  // 'exit' here on purpose: nobody reads the pipe, so 'close' would wait for a reader forever.
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const result = await Promise.race([exited, sleep(waitMs).then(() => 'hung' as const)]);
  child.kill('SIGKILL');
  return result;
}

describe('logger exit with an unread stdout', () => {
  it('with a reader, flushLogs waits until the last line is written', async () => {
    // A generous flush timeout: on a loaded machine 2 MB through a pipe can take longer than the
    // agent's own 300 ms; this case proves that nothing is lost while the writes go on, not the bound.
    const child = spawn(process.execPath, [SCRIPT, 'bounded', '8000'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': 'exit' can come before the last chunks of stdout have been read.
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(2001);
    expect(JSON.parse(lines.at(-1)!).msg).toBe('last line');
  }, 10_000);

  it('flushLogs gives up after its timeout, so the process exits', async () => {
    expect(await runBlocked('bounded', 5000)).toBe(0);
  }, 10_000);

  it('(control) waiting for pino to flush a full pipe hangs: the case flushLogs exists for', async () => {
    expect(await runBlocked('unbounded', 3000)).toBe('hung');
  }, 10_000);
});
