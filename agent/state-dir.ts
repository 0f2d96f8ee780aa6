// The state directory must be a writable directory on a real filesystem. A stateDir under /proc or
// /sys was seen to hang the agent at 89 % CPU (a recursive mkdir on procfs never ends) without a
// tick or a log line; now it is refused before anything starts, at its key path.
import { access, constants, mkdir, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, type UserError } from '../core/errors.ts';

/** Filesystems that hold no files of their own (f_type of statfs(2)). */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0xcafe4a11, 'bpf'],
]);

export interface StateDirCheck {
  /** A reason the directory cannot hold state: refuse to start. */
  readonly error?: UserError;
  /** Something that could not be checked here (check-config on another host): a warning. */
  readonly warning?: string;
}

const invalid = (message: string): StateDirCheck => ({ error: { code: ErrorCode.CONFIG_INVALID, where: 'stateDir', message } });

/** The nearest existing ancestor of `dir` (itself when it exists). */
async function existingAncestor(dir: string): Promise<string> {
  let cur = path.resolve(dir);
  for (;;) {
    try {
      await stat(cur);
      return cur;
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return cur;
      cur = up;
    }
  }
}

/**
 * Checks `dir`. With `create` (vigil run) a missing directory is created and a probe file is written
 * and removed; without it (check-config) nothing is changed and a missing directory is a warning.
 */
export async function checkStateDir(dir: string, opts: { create: boolean }): Promise<StateDirCheck> {
  const base = await existingAncestor(dir);
  const fs = PSEUDO_FILESYSTEMS.get((await statfs(base)).type);
  if (fs !== undefined) return invalid(`"${dir}" is on ${fs}, which cannot hold files; choose a directory on a regular filesystem (e.g. /var/lib/vigil)`);
  if (base === path.resolve(dir) && !(await stat(base)).isDirectory()) return invalid(`"${dir}" is not a directory`);
  if (!opts.create) {
    try {
      await access(base, constants.W_OK);
    } catch {
      return invalid(`"${base}" is not writable by this user`);
    }
    return base === path.resolve(dir) ? {} : { warning: `stateDir "${dir}" does not exist here; the agent will create it` };
  }
  const probe = path.join(dir, `.vigil-probe-${process.pid}`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (err) {
    return invalid(`"${dir}" cannot be written: ${(err as Error).message}`);
  }
  return {};
}

/** Temporary files of state writes: `.name.<pid>.tmp` (writeFileAtomic), and the older `name.<pid>.tmp`, `name.tmp-<pid>`. */
const TEMP_FILE = /^(\..+\.\d+\.tmp|.+\.\d+\.tmp|.+\.tmp-\d+)$/;

/**
 * Removes what state writes of earlier runs left behind (a crash between write and rename, a full
 * disk): their temporary files, up to three levels below the state directory. Returns the paths removed.
 */
export async function removeStaleTempFiles(dir: string, depth = 3): Promise<string[]> {
  const removed: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && depth > 1) removed.push(...(await removeStaleTempFiles(p, depth - 1)));
    else if (e.isFile() && TEMP_FILE.test(e.name) && !e.name.includes(`.${process.pid}.tmp`) && !e.name.endsWith(`.tmp-${process.pid}`)) {
      await rm(p, { force: true });
      removed.push(p);
    }
  }
  return removed;
}
