// CPU time and memory of another process, read from /proc the same way for Vigil and node_exporter,
// so that the ratio does not depend on how each program reports itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (100 almost everywhere, but asked, not assumed). */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    if (!Number.isInteger(n) || n <= 0) throw new Error(`getconf CLK_TCK gave "${n}"`);
    ticksPerSecond = n;
  }
  return ticksPerSecond;
}

/** User + system CPU seconds of all threads of `pid` so far (libuv's pool and Go's threads included). */
export function cpuSeconds(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Field 2 (comm) is parenthesised and may hold spaces; fields after the last ")" are positional:
  // the first of them is field 3 (state), so utime (14) and stime (15) are at offsets 11 and 12.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc/${pid}/stat: ${text.slice(0, 120)}`);
  return (utime + stime) / clockTicksPerSecond();
}

export interface Memory {
  /** Resident set now (VmRSS). */
  readonly rssBytes: number;
  /** Peak resident set since start (VmHWM). */
  readonly peakRssBytes: number;
  /**
   * The private part of VmRSS (RssAnon): heap, stacks, JIT code. The rest is file pages (the
   * program's own binary mostly), shared with the page cache and other processes.
   */
  readonly anonBytes: number;
}

export function memory(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (m === null) throw new Error(`/proc/${pid}/status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), anonBytes: kb('RssAnon') };
}
