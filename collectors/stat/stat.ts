// The kernel's global counters from /proc/stat, under node_exporter's names.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { type SampleKind, NO_LABELS } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { type ProcStat, parseProcStat, requireCpuLines } from '../procfs/stat.ts';
import { readText } from '../read.ts';

const FAMILIES: ReadonlyArray<{ name: string; help: string; kind: SampleKind; field: keyof Omit<ProcStat, 'cpus' | 'malformed'> }> = [
  { name: 'node_boot_time_seconds', help: 'Node boot time, in unixtime.', kind: 'gauge', field: 'bootTime' },
  { name: 'node_context_switches_total', help: 'Total number of context switches.', kind: 'counter', field: 'contextSwitches' },
  { name: 'node_intr_total', help: 'Total number of interrupts serviced.', kind: 'counter', field: 'interrupts' },
  { name: 'node_forks_total', help: 'Total number of forks.', kind: 'counter', field: 'forks' },
  { name: 'node_procs_running', help: 'Number of processes in runnable state.', kind: 'gauge', field: 'procsRunning' },
  { name: 'node_procs_blocked', help: 'Number of processes blocked waiting for I/O to complete.', kind: 'gauge', field: 'procsBlocked' },
];

export const statCollector = {
  name: 'stat',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: FAMILIES.map(({ name, help, kind }) => ({ name, help, kind, labels: [] })),
  create(_options, ctx) {
    const file = procPath(ctx.paths, 'stat');
    return {
      async collect(out) {
        const stat = requireCpuLines(parseProcStat(await readText(file)), file);
        for (const f of FAMILIES) {
          const value = stat[f.field];
          if (value !== undefined) out.push({ name: f.name, labels: NO_LABELS, value, kind: f.kind });
        }
        return stat.malformed;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
