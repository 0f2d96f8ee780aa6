// node_network_{receive,transmit}_*_total{device} from /proc/net/dev.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { type MetricSpec, counter } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { RECEIVE_FIELDS, TRANSMIT_FIELDS, parseNetDev } from '../procfs/netdev.ts';
import { readText } from '../read.ts';
import { nameFilter, regexString } from '../regex-filter.ts';

const RX_NAMES = RECEIVE_FIELDS.map((f) => `node_network_receive_${f}_total`);
const TX_NAMES = TRANSMIT_FIELDS.map((f) => `node_network_transmit_${f}_total`);

const spec = (name: string, dir: string, field: string): MetricSpec => ({
  name,
  help: `Network device statistic ${dir}_${field}.`,
  kind: 'counter',
  labels: ['device'],
});

const options = z.strictObject({
  deviceInclude: regexString.optional(),
  deviceExclude: regexString.default(''),
});

export const netdevCollector = {
  name: 'netdev',
  defaultEnabled: true,
  options,
  metrics: [...RECEIVE_FIELDS.map((f, i) => spec(RX_NAMES[i]!, 'receive', f)), ...TRANSMIT_FIELDS.map((f, i) => spec(TX_NAMES[i]!, 'transmit', f))],
  create(opts, ctx) {
    const file = procPath(ctx.paths, 'net', 'dev');
    const accept = nameFilter(opts.deviceInclude, opts.deviceExclude);
    const labels = new Map<string, { device: string }>();
    return {
      async collect(out) {
        const dev = parseNetDev(await readText(file));
        for (const iface of dev.interfaces) {
          if (!accept(iface.device)) continue;
          let l = labels.get(iface.device);
          if (l === undefined) labels.set(iface.device, (l = { device: iface.device }));
          for (let i = 0; i < 8; i++) out.push(counter(RX_NAMES[i]!, l, iface.receive[i]!));
          for (let i = 0; i < 8; i++) out.push(counter(TX_NAMES[i]!, l, iface.transmit[i]!));
        }
        return dev.malformed;
      },
    };
  },
} satisfies CollectorFactory<z.infer<typeof options>>;
