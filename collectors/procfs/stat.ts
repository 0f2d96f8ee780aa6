// /proc/stat: per-CPU times and the kernel's global counters.

/** The kernel reports CPU times in USER_HZ ticks; 100 on every Linux ABI node_exporter supports. */
const USER_HZ = 100;

export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

interface CpuTimes {
  /** "0", "1", … as node_exporter labels them. */
  readonly cpu: string;
  /** Seconds per mode, in CPU_MODES order. */
  readonly seconds: readonly number[];
  readonly guestSeconds: number;
  readonly guestNiceSeconds: number;
}

export interface ProcStat {
  readonly cpus: CpuTimes[];
  bootTime?: number;
  contextSwitches?: number;
  interrupts?: number;
  forks?: number;
  procsRunning?: number;
  procsBlocked?: number;
  /** Lines that looked like data we use but did not parse. */
  malformed: number;
}

const SCALARS: Record<string, keyof Omit<ProcStat, 'cpus' | 'malformed'>> = {
  btime: 'bootTime',
  ctxt: 'contextSwitches',
  intr: 'interrupts',
  processes: 'forks',
  procs_running: 'procsRunning',
  procs_blocked: 'procsBlocked',
};

/**
 * Every /proc/stat has per-CPU lines: text without any is not a /proc/stat (garbage, the wrong file)
 * and fails the collector, instead of succeeding with no series.
 */
export function requireCpuLines(stat: ProcStat, file: string): ProcStat {
  if (stat.cpus.length === 0) throw new Error(`${file}: no per-CPU line ("cpuN …"): not a /proc/stat`);
  return stat;
}

export function parseProcStat(text: string): ProcStat {
  const out: ProcStat = { cpus: [], malformed: 0 };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    // At most the key and ten numbers are used; the limit spares splitting the "intr" and "softirq"
    // lines, whose one field per interrupt source runs to thousands on large hosts.
    const fields = line.trim().split(/\s+/, 11);
    const key = fields[0]!;
    if (key.startsWith('cpu') && key !== 'cpu') {
      const id = key.slice(3);
      const nums = fields.slice(1, 11).map(Number);
      if (!/^\d+$/.test(id) || nums.length < 8 || nums.some((n) => !Number.isFinite(n))) {
        out.malformed++;
        continue;
      }
      out.cpus.push({
        cpu: id,
        seconds: nums.slice(0, 8).map((t) => t / USER_HZ),
        guestSeconds: (nums[8] ?? 0) / USER_HZ,
        guestNiceSeconds: (nums[9] ?? 0) / USER_HZ,
      });
      continue;
    }
    const field = SCALARS[key];
    if (field === undefined) continue;
    const value = Number(fields[1]);
    if (fields.length < 2 || !Number.isFinite(value)) {
      out.malformed++;
      continue;
    }
    out[field] = value;
  }
  return out;
}
