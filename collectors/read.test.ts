// How host files are read: procfs and sysfs synchronously, everything else (and mount tables) on the
// thread pool, where a file that hangs cannot stop the event loop; the same bytes and errors either way.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostReadSamples, readModeOf, readOptional, readText, readTuning, resetReadModes } from './read.ts';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-read-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  resetReadModes();
  readTuning.slowSyncReadMs = 50;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const demotions = (): number => hostReadSamples()[0]!.value;

describe('readText', () => {
  it('reads procfs and sysfs synchronously once their filesystem is known, with the same bytes as readFileSync', async () => {
    expect(await readModeOf('/proc/version')).toBe('sync');
    if (existsSync('/sys/kernel/uevent_seqnum')) expect(await readModeOf('/sys/kernel/uevent_seqnum')).toBe('sync');
    expect(await readText('/proc/version')).toBe(readFileSync('/proc/version', 'utf8'));
    // Larger than the first 16 KiB buffer somewhere on most hosts; at least the same bytes.
    expect(await readText('/proc/self/maps')).toMatch(/node/);
  });

  it('reads a file larger than its first buffer whole, on both paths', async () => {
    const dir = tempDir();
    const big = `${'x'.repeat(100_000)}\n€\n`;
    writeFileSync(path.join(dir, 'big'), big);
    expect(await readModeOf(path.join(dir, 'big'))).toBe('pool');
    expect(await readText(path.join(dir, 'big'))).toBe(big);
  });

  it('keeps mount tables and files on other filesystems on the thread pool', async () => {
    expect(await readModeOf('/proc/self/mounts')).toBe('pool');
    expect(await readModeOf('/proc/self/mountinfo')).toBe('pool');
    expect(await readModeOf(path.join(tempDir(), 'os-release'))).toBe('pool');
  });

  it('rejects with the same error code, syscall and path on both paths', async () => {
    await readModeOf('/proc/version');
    const sync = await readText('/proc/no-such-file').catch((e: NodeJS.ErrnoException) => e);
    const missing = path.join(tempDir(), 'no-such-file');
    const pooled = await readText(missing).catch((e: NodeJS.ErrnoException) => e);
    for (const [err, file] of [
      [sync, '/proc/no-such-file'],
      [pooled, missing],
    ] as const) {
      expect(err).toBeInstanceOf(Error);
      expect(err).toMatchObject({ code: 'ENOENT', syscall: 'open', path: file });
    }
    expect(await readOptional('/proc/no-such-file')).toBeUndefined();
  });

  it('does not stop the event loop on a file that hangs outside procfs (a FIFO with no writer)', async () => {
    const fifo = path.join(tempDir(), 'stuck');
    execFileSync('mkfifo', [fifo]);
    // Read synchronously, this call would never return: open(2) of a FIFO waits for a writer.
    const read = readText(fifo);
    let settled = false;
    void read.finally(() => (settled = true));
    // The event loop keeps turning (a timer fires) while the read is stuck on a pool thread.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(settled).toBe(false);
    // A writer releases the pool thread; the read then sees end of file.
    const fd = openSync(fifo, constants.O_WRONLY);
    closeSync(fd);
    expect(await read).toBe('');
  });

  it('shares one read of a path between callers of the same moment', async () => {
    await readModeOf('/proc/version');
    const a = readText('/proc/version');
    const b = readText('/proc/version');
    expect(b).toBe(a);
    await a;
    expect(readText('/proc/version')).not.toBe(a);
  });

  it('sends a directory back to the pool after a synchronous read slower than the limit, and counts it', async () => {
    expect(await readModeOf('/proc/version')).toBe('sync');
    readTuning.slowSyncReadMs = -1; // every read is "slow"
    const before = demotions();
    await readText('/proc/version');
    expect(demotions()).toBe(before + 1);
    expect(await readModeOf('/proc/version')).toBe('pool');
    // Later reads of the directory work on the pool, and are not counted again.
    expect(await readText('/proc/version')).toBe(readFileSync('/proc/version', 'utf8'));
    expect(demotions()).toBe(before + 1);
  });
});
