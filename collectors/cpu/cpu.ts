// node_cpu_seconds_total{cpu,mode} and node_cpu_guest_seconds_total{cpu,mode} from /proc/stat.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { counter } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { CPU_MODES, parseProcStat, requireCpuLines } from '../procfs/stat.ts';
import { readText } from '../read.ts';

// Label objects are built once per (cpu, mode) and reused every tick: the hot path allocates little.
const labelCache = new Map<string, Record<string, string>>();
function cpuLabels(cpu: string, mode: string): Record<string, string> {
  const key = `${cpu}\u0000${mode}`;
  let labels = labelCache.get(key);
  if (labels === undefined) labelCache.set(key, (labels = Object.freeze({ cpu, mode }) as Record<string, string>));
  return labels;
}

export const cpuCollector = {
  name: 'cpu',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    { name: 'node_cpu_seconds_total', help: 'Seconds the CPUs spent in each mode.', kind: 'counter', labels: ['cpu', 'mode'] },
    { name: 'node_cpu_guest_seconds_total', help: 'Seconds the CPUs spent in guests (VMs) for each mode.', kind: 'counter', labels: ['cpu', 'mode'] },
  ],
  create(_options, ctx) {
    const file = procPath(ctx.paths, 'stat');
    return {
      async collect(out) {
        const stat = requireCpuLines(parseProcStat(await readText(file)), file);
        for (const c of stat.cpus) {
          for (let i = 0; i < CPU_MODES.length; i++) {
            out.push(counter('node_cpu_seconds_total', cpuLabels(c.cpu, CPU_MODES[i]!), c.seconds[i]!));
          }
          out.push(counter('node_cpu_guest_seconds_total', cpuLabels(c.cpu, 'user'), c.guestSeconds));
          out.push(counter('node_cpu_guest_seconds_total', cpuLabels(c.cpu, 'nice'), c.guestNiceSeconds));
        }
        return stat.malformed;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
