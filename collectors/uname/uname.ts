// node_uname_info from the kernel's own /proc/sys/kernel files (the same UTS facts uname(2) gives).
import { machine } from 'node:os';
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { gauge } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { readText } from '../read.ts';

const FILES = { sysname: 'ostype', release: 'osrelease', version: 'version', nodename: 'hostname', domainname: 'domainname' } as const;

export const unameCollector = {
  name: 'uname',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    {
      name: 'node_uname_info',
      help: 'Labeled system information as provided by the uname system call.',
      kind: 'gauge',
      labels: ['sysname', 'release', 'version', 'machine', 'nodename', 'domainname'],
    },
  ],
  create(_options, ctx) {
    const entries = Object.entries(FILES);
    return {
      async collect(out) {
        const values = await Promise.all(entries.map(([, f]) => readText(procPath(ctx.paths, 'sys', 'kernel', f))));
        const labels: Record<string, string> = { machine: machine() };
        entries.forEach(([label], i) => (labels[label] = values[i]!.trim()));
        out.push(gauge('node_uname_info', labels, 1));
        return 0;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
