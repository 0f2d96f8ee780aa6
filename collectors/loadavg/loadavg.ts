// node_load1/5/15 from /proc/loadavg.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { gauge, NO_LABELS } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { parseLoadavg } from '../procfs/loadavg.ts';
import { readText } from '../read.ts';

const NAMES = ['node_load1', 'node_load5', 'node_load15'] as const;

export const loadavgCollector = {
  name: 'loadavg',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    { name: 'node_load1', help: '1m load average.', kind: 'gauge', labels: [] },
    { name: 'node_load5', help: '5m load average.', kind: 'gauge', labels: [] },
    { name: 'node_load15', help: '15m load average.', kind: 'gauge', labels: [] },
  ],
  create(_options, ctx) {
    const file = procPath(ctx.paths, 'loadavg');
    return {
      async collect(out) {
        const loads = parseLoadavg(await readText(file));
        if (loads === undefined) return 1;
        for (let i = 0; i < 3; i++) out.push(gauge(NAMES[i]!, NO_LABELS, loads[i]!));
        return 0;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
