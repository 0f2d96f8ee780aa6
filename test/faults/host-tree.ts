// A fake host for fault injection: a copy of the files each collector reads, under one directory
// passed as --path.procfs / --path.sysfs / --path.rootfs, that a test breaks and restores while the
// agent runs. Each collector's source is one file here (the first one it reads).
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { openSync, closeSync, constants } from 'node:fs';
import path from 'node:path';

/** The file each collector reads, relative to the tree (cpu and stat share /proc/stat). */
export const COLLECTOR_SOURCES: Readonly<Record<string, string>> = {
  cpu: 'proc/stat',
  stat: 'proc/stat',
  meminfo: 'proc/meminfo',
  filesystem: 'proc/1/mounts',
  diskstats: 'proc/diskstats',
  netdev: 'proc/net/dev',
  loadavg: 'proc/loadavg',
  pressure: 'proc/pressure/cpu',
  uname: 'proc/sys/kernel/ostype',
  os: 'etc/os-release',
  time: 'sys/devices/system/clocksource/clocksource0/current_clocksource',
};

const PROC_FILES = [
  'stat',
  'meminfo',
  'diskstats',
  'loadavg',
  'net/dev',
  'pressure/cpu',
  'pressure/io',
  'pressure/memory',
  'sys/kernel/ostype',
  'sys/kernel/osrelease',
  'sys/kernel/version',
  'sys/kernel/hostname',
  'sys/kernel/domainname',
];
const SYS_FILES = ['devices/system/clocksource/clocksource0/current_clocksource', 'devices/system/clocksource/clocksource0/available_clocksource'];

export class HostTree {
  readonly root: string;
  /** The good content of every file, to restore. */
  private readonly good = new Map<string, Buffer>();

  constructor(root: string) {
    this.root = root;
    const put = (rel: string, data: Buffer | string): void => {
      const to = path.join(root, rel);
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, data);
      this.good.set(rel, Buffer.from(data));
    };
    for (const f of PROC_FILES) {
      try {
        put(`proc/${f}`, readFileSync(path.join('/proc', f)));
      } catch {
        // Not on this kernel (pressure without PSI).
      }
    }
    for (const f of SYS_FILES) {
      try {
        put(`sys/${f}`, readFileSync(path.join('/sys', f)));
      } catch {
        put(`sys/${f}`, 'tsc\n');
      }
    }
    if (!this.good.has('proc/pressure/cpu')) put('proc/pressure/cpu', 'some avg10=0.00 avg60=0.00 avg300=0.00 total=1\n');
    put('proc/1/mounts', '/dev/sdz1 /data ext4 rw,relatime 0 0\n');
    mkdirSync(path.join(root, 'data'), { recursive: true });
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    copyFileSync('/etc/os-release', path.join(root, 'etc', 'os-release'));
    this.good.set('etc/os-release', readFileSync('/etc/os-release'));
  }

  args(): string[] {
    return [`--path.procfs=${path.join(this.root, 'proc')}`, `--path.sysfs=${path.join(this.root, 'sys')}`, `--path.rootfs=${this.root}`];
  }

  private abs(rel: string): string {
    return path.join(this.root, rel);
  }

  /** Garbage text: binary bytes, no field where one is expected. */
  garbage(rel: string): void {
    rmSync(this.abs(rel), { recursive: true, force: true });
    writeFileSync(this.abs(rel), 'garbage \u0000\u00ff{{{ not-a-number -- \n\n42 x y z\n');
  }

  /** Unreadable: a directory where the file was (EISDIR; the tests run as root, so modes do not stop reads). */
  unreadable(rel: string): void {
    rmSync(this.abs(rel), { recursive: true, force: true });
    mkdirSync(this.abs(rel));
  }

  /** Hanging: a FIFO with no writer, so open(2) for reading blocks. */
  hang(rel: string): void {
    rmSync(this.abs(rel), { recursive: true, force: true });
    execFileSync('mkfifo', [this.abs(rel)]);
  }

  /** Releases readers blocked on a FIFO (a writer opens and closes: they read end of file). */
  release(rel: string): void {
    try {
      const fd = openSync(this.abs(rel), constants.O_WRONLY | constants.O_NONBLOCK);
      closeSync(fd);
    } catch {
      // ENXIO: nobody is blocked on it.
    }
  }

  restore(rel: string): void {
    rmSync(this.abs(rel), { recursive: true, force: true });
    writeFileSync(this.abs(rel), this.good.get(rel)!);
  }
}
