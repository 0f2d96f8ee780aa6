// Reading host text files (/proc, /sys, /etc) is most of what a tick does, so it is done as cheaply
// as the file allows.
//
// Files of procfs and sysfs are read synchronously on the agent's thread. The kernel writes them
// from its own memory when they are read, without I/O, in microseconds; a read through the libuv
// thread pool costs far more than the read itself: four round trips per file (open, read, a read
// that finds the end, close), each waking a pool thread and then the event loop, which on a
// virtual machine means an interrupt between vCPUs each time. Measured (docs/footprint.md, "CPU per
// collection"): a tick of the default collectors took 4.4–4.8 ms of CPU with every read on the
// pool and 2.3 ms with these files read synchronously. node_exporter and netdata read them
// synchronously too.
//
// Everything else stays on the thread pool, where a read that hangs blocks one pool thread and the
// collector's timeout gives it up: files on disk or network filesystems (os-release, textfiles; a
// disk read can stall for seconds under I/O pressure, the moment the agent is needed most) and the
// mount tables (/proc/<pid>/mounts, mountinfo), whose read waits for the kernel's namespace lock
// that a stuck mount or unmount can hold. Which filesystem a directory is on is learned once, by a
// statfs on the pool; until it is known the read takes the pool. A synchronous read that takes
// longer than 50 ms (a kernel that blocked after all, or a starved CPU) sends that
// directory back to the pool for good, counted in vigil_host_file_sync_reads_demoted_total.
//
// On the pool the read is open, read until end of file, close: readFile would add an fstat and a
// 64 KiB buffer per file, because procfs and sysfs files report size 0. The bytes read and the
// errors raised (code, syscall, path) are the same either way, and the same as readFile's.
import { close, closeSync, open, openSync, read, readSync, statfs } from 'node:fs';
import path from 'node:path';
import { counter, type MetricSpec, type Sample } from '../core/samples.ts';

/** Enough for every procfs/sysfs file on ordinary hosts in one read; larger files grow the buffer. */
const FIRST_BUFFER_BYTES = 16 * 1024;
/** A host text file larger than this is not one we know how to read: fail rather than eat memory. */
const MAX_BYTES = 64 * 1024 * 1024;
/** A synchronous read slower than `slowSyncReadMs` sends its directory back to the thread pool (tests lower it). */
export const readTuning = { slowSyncReadMs: 50 };

/** statfs f_type of the filesystems whose files the kernel generates from memory (linux/magic.h). */
const IN_MEMORY_FILESYSTEMS = new Set([
  0x9fa0, // PROC_SUPER_MAGIC
  0x62656572, // SYSFS_MAGIC
]);
/** Mount tables: their read takes the mount namespace's lock, which a hung mount or unmount can hold. */
const MOUNT_TABLE = /(?:^|\/)(?:mounts|mountinfo|mountstats)$/;

export const HOST_READ_METRICS: readonly MetricSpec[] = [
  {
    name: 'vigil_host_file_sync_reads_demoted_total',
    help: 'Directories of procfs or sysfs whose files went back to the thread pool after a synchronous read took longer than 50 ms.',
    kind: 'counter',
    labels: [],
  },
];

/** What is known of a directory: its files are read synchronously, on the pool, or it is being found out. */
type DirectoryMode = 'sync' | 'pool' | 'probing';
const directoryModes = new Map<string, DirectoryMode>();
/** The statfs of directories being found out. */
const probes = new Map<string, Promise<void>>();
let demotions = 0;

/** Reads in flight, by path: collectors that read the same file in one tick (cpu and stat both read /proc/stat) share one read. */
const inFlight = new Map<string, Promise<string>>();

/** Reads a small host text file (/proc, /sys, /etc) as UTF-8; a read of the same path already in flight is shared. */
export function readText(file: string): Promise<string> {
  const shared = inFlight.get(file);
  if (shared !== undefined) return shared;
  const read = modeOf(file) === 'sync' ? readSyncTimed(file) : readOnPool(file);
  inFlight.set(file, read);
  const done = (): void => void inFlight.delete(file);
  read.then(done, done);
  return read;
}

/** Like readText, but "not on this host" (ENOENT, EOPNOTSUPP …) is undefined instead of an error. */
export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readText(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EOPNOTSUPP' || code === 'ENOTSUP') return undefined;
    throw err;
  }
}

/** vigil_host_file_sync_reads_demoted_total. */
export function hostReadSamples(): Sample[] {
  return [counter('vigil_host_file_sync_reads_demoted_total', {}, demotions)];
}

/** How `file` is read now; the first read of a directory starts finding out its filesystem. */
function modeOf(file: string): DirectoryMode {
  if (MOUNT_TABLE.test(file)) return 'pool';
  const dir = path.dirname(file);
  const known = directoryModes.get(dir);
  if (known !== undefined) return known;
  directoryModes.set(dir, 'probing');
  const probe = new Promise<void>((resolve) =>
    statfs(dir, (err, stats) => {
      // A directory that cannot be statfs'ed is read on the pool; its reads report their own errors.
      directoryModes.set(dir, err === null && IN_MEMORY_FILESYSTEMS.has(stats.type) ? 'sync' : 'pool');
      probes.delete(dir);
      resolve();
    }),
  );
  probes.set(dir, probe);
  return 'probing';
}

/** How reads of `file` are done once its directory's filesystem is known (tests). */
export async function readModeOf(file: string): Promise<'sync' | 'pool'> {
  if (modeOf(file) === 'probing') await probes.get(path.dirname(file));
  return modeOf(file) === 'sync' ? 'sync' : 'pool';
}

/** Forgets what was learned of directories (tests). */
export function resetReadModes(): void {
  directoryModes.clear();
  demotions = 0;
}

// One buffer for every synchronous read: they cannot overlap. It keeps the size it grew to.
let syncBuffer: Buffer = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);

function readSyncTimed(file: string): Promise<string> {
  const t0 = performance.now();
  try {
    return Promise.resolve(readWholeSync(file));
  } catch (err) {
    return Promise.reject(err as Error);
  } finally {
    if (performance.now() - t0 > readTuning.slowSyncReadMs) {
      directoryModes.set(path.dirname(file), 'pool');
      demotions++;
    }
  }
}

function readWholeSync(file: string): string {
  const fd = openSync(file, 'r');
  try {
    let length = 0;
    for (;;) {
      if (length === syncBuffer.length) syncBuffer = grown(syncBuffer, length, file);
      // position null: read on from the current offset, like a sequential read(2); procfs needs that.
      const bytes = readSync(fd, syncBuffer, length, syncBuffer.length - length, null);
      if (bytes === 0) break;
      length += bytes;
    }
    // Decoded once at the end, so a multi-byte character split across reads stays whole.
    return syncBuffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/** A buffer twice as large holding the first `length` bytes of `buffer`; a RangeError beyond MAX_BYTES. */
function grown(buffer: Buffer, length: number, file: string): Buffer {
  if (buffer.length * 2 > MAX_BYTES) throw new RangeError(`${file} is larger than ${MAX_BYTES} bytes`);
  const bigger = Buffer.allocUnsafe(buffer.length * 2);
  buffer.copy(bigger, 0, 0, length);
  return bigger;
}

function readOnPool(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    open(file, 'r', (openErr, fd) => {
      if (openErr) {
        reject(openErr);
        return;
      }
      let buffer: Buffer = Buffer.allocUnsafe(FIRST_BUFFER_BYTES);
      let length = 0;
      const finish = (err: Error | null): void =>
        close(fd, (closeErr) => {
          if (err ?? closeErr) reject(err ?? closeErr);
          // Decoded once at the end, so a multi-byte character split across reads stays whole.
          else resolve(buffer.toString('utf8', 0, length));
        });
      const readMore = (): void => {
        if (length === buffer.length) {
          try {
            buffer = grown(buffer, length, file);
          } catch (err) {
            finish(err as Error);
            return;
          }
        }
        // position null: read on from the current offset, like a sequential read(2); procfs needs that.
        read(fd, buffer, length, buffer.length - length, null, (readErr, bytes) => {
          if (readErr) finish(readErr);
          else if (bytes === 0) finish(null);
          else {
            length += bytes;
            readMore();
          }
        });
      };
      readMore();
    });
  });
}
