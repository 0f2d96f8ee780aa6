// node_pressure_* from /proc/pressure (PSI). A kernel without PSI is "no data here", not an error.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { counter, NO_LABELS } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { parsePressure } from '../procfs/pressure.ts';
import { readOptional } from '../read.ts';

// node_exporter 1.5 exposes no "full" line for cpu (the kernel's is always zero at system level).
const RESOURCES = [
  { resource: 'cpu', some: 'node_pressure_cpu_waiting_seconds_total', full: undefined },
  { resource: 'io', some: 'node_pressure_io_waiting_seconds_total', full: 'node_pressure_io_stalled_seconds_total' },
  { resource: 'memory', some: 'node_pressure_memory_waiting_seconds_total', full: 'node_pressure_memory_stalled_seconds_total' },
] as const;

export const pressureCollector = {
  name: 'pressure',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    { name: 'node_pressure_cpu_waiting_seconds_total', help: 'Total time in seconds that processes have waited for CPU time', kind: 'counter', labels: [] },
    {
      name: 'node_pressure_io_waiting_seconds_total',
      help: 'Total time in seconds that processes have waited due to IO congestion',
      kind: 'counter',
      labels: [],
    },
    {
      name: 'node_pressure_io_stalled_seconds_total',
      help: 'Total time in seconds no process could make progress due to IO congestion',
      kind: 'counter',
      labels: [],
    },
    { name: 'node_pressure_memory_waiting_seconds_total', help: 'Total time in seconds that processes have waited for memory', kind: 'counter', labels: [] },
    {
      name: 'node_pressure_memory_stalled_seconds_total',
      help: 'Total time in seconds no process could make progress due to memory congestion',
      kind: 'counter',
      labels: [],
    },
  ],
  create(_options, ctx) {
    const files = RESOURCES.map((r) => procPath(ctx.paths, 'pressure', r.resource));
    return {
      async collect(out) {
        const texts = await Promise.all(files.map(readOptional));
        let malformed = 0;
        for (let i = 0; i < RESOURCES.length; i++) {
          const text = texts[i];
          if (text === undefined) continue;
          const totals = parsePressure(text);
          if (totals === undefined) {
            malformed++;
            continue;
          }
          const r = RESOURCES[i]!;
          if (totals.some !== undefined) out.push(counter(r.some, NO_LABELS, totals.some));
          if (r.full !== undefined && totals.full !== undefined) out.push(counter(r.full, NO_LABELS, totals.full));
        }
        return malformed;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
