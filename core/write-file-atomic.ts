// Crash-safe file replacement, the one way state files are written: write a temporary file in the
// same directory, fsync it, rename it over the target, fsync the directory. A crash leaves either
// the old file or the new one, never half of one; a failure at any step removes the temporary file.
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { stateWrites } from './state-writes.ts';

export interface WriteFileAtomicOptions {
  /** File mode of a new file (state files default to owner-only). */
  readonly mode?: number;
  /** For state files: the `file` label under which the outcome is counted (core/state-writes.ts). */
  readonly stateFile?: string;
}

export async function writeFileAtomic(file: string, data: Uint8Array | string, opts: WriteFileAtomicOptions = {}): Promise<void> {
  try {
    await write(file, data, opts.mode ?? 0o600);
  } catch (err) {
    if (opts.stateFile !== undefined) stateWrites.record(opts.stateFile, false);
    throw err;
  }
  if (opts.stateFile !== undefined) stateWrites.record(opts.stateFile, true);
}

async function write(file: string, data: Uint8Array | string, mode: number): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename is durable only once the directory entry is.
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
