// Every /proc/meminfo field as node_memory_<Field>_bytes (page counts such as HugePages_Total without _bytes).
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { gauge, NO_LABELS } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { parseMeminfo } from '../procfs/meminfo.ts';
import { readText } from '../read.ts';

export const meminfoCollector = {
  name: 'meminfo',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [],
  dynamicMetrics: [
    {
      pattern: /^node_memory_\w+$/,
      displayName: 'node_memory_<Field>_bytes, node_memory_<Field> (page counts)',
      help: (name: string) => `Memory information field ${name.replace(/^node_memory_/, '')}.`,
      kind: 'gauge',
      labels: [],
    },
  ],
  create(_options, ctx) {
    const file = procPath(ctx.paths, 'meminfo');
    return {
      async collect(out) {
        const info = parseMeminfo(await readText(file));
        for (const f of info.fields) out.push(gauge(f.name, NO_LABELS, f.value));
        return info.malformed;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
