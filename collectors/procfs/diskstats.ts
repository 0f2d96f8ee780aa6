// /proc/diskstats: "major minor name" then 11, 15 or 17 counters depending on the kernel.

interface DiskStats {
  readonly major: string;
  readonly minor: string;
  readonly device: string;
  /** The counters as the kernel prints them (Documentation/admin-guide/iostats.rst), 11 to 17 of them. */
  readonly fields: readonly number[];
}

export interface DiskStatsFile {
  readonly disks: DiskStats[];
  malformed: number;
}

export function parseDiskstats(text: string): DiskStatsFile {
  const out: DiskStatsFile = { disks: [], malformed: 0 };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const fields = f.slice(3).map(Number);
    if (f.length < 14 || fields.some((n) => !Number.isFinite(n))) {
      out.malformed++;
      continue;
    }
    out.disks.push({ major: f[0]!, minor: f[1]!, device: f[2]!, fields });
  }
  return out;
}

/** udev's database entry for a block device (/run/udev/data/b<major>:<minor>): "E:KEY=value" lines. */
export function parseUdevProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('E:')) continue;
    const eq = line.indexOf('=');
    if (eq > 2) props.set(line.slice(2, eq), line.slice(eq + 1));
  }
  return props;
}
