// The reference peer: prometheus-node-exporter on a free loopback port, filtering mounts, filesystem
// types, disks and network devices exactly as Vigil does by default. Debian patches node_exporter's
// defaults (it excludes /run, /mnt, /media and the "lo" device), so every filter is passed explicitly.
import { defaultConfig } from '../../agent/config.ts';
import { collectorList } from '../../collectors/registry.ts';
import { type Peer, getText, startHttpPeer } from './child.ts';

const NODE_EXPORTER_BIN = process.env.VIGIL_TEST_NODE_EXPORTER ?? 'prometheus-node-exporter';

/**
 * node_exporter's collectors that Vigil has counterparts for: Vigil's default collectors, each named
 * after the node_exporter collector it reimplements (collectors/registry.ts).
 */
const NODE_EXPORTER_COLLECTORS = collectorList.filter((f) => f.defaultEnabled).map((f) => f.name);

/** One of Vigil's default collector options (the root schema types collectors loosely). */
function vigilDefault(collector: string, key: string): string {
  const collectors = defaultConfig().collectors as Record<string, Record<string, unknown> | undefined>;
  const v = collectors[collector]?.[key];
  if (typeof v !== 'string') throw new Error(`Vigil has no default collectors.${collector}.${key}`);
  return v;
}

/** node_exporter flags that make its filters equal to Vigil's defaults. */
function vigilFilterFlags(): string[] {
  const netdevExclude = vigilDefault('netdev', 'deviceExclude');
  return [
    `--collector.filesystem.mount-points-exclude=${vigilDefault('filesystem', 'mountPointsExclude')}`,
    `--collector.filesystem.fs-types-exclude=${vigilDefault('filesystem', 'fsTypesExclude')}`,
    `--collector.diskstats.device-exclude=${vigilDefault('diskstats', 'deviceExclude')}`,
    // Vigil excludes no network device by default; node_exporter needs a regex, and "^$" matches no name.
    `--collector.netdev.device-exclude=${netdevExclude === '' ? '^$' : netdevExclude}`,
  ];
}

export interface NodeExporterPeer extends Peer {
  readonly port: number;
  readonly url: string;
  scrape(): Promise<string>;
}

export interface NodeExporterOptions {
  /** Collectors to enable (all others off). Default: NODE_EXPORTER_COLLECTORS. */
  readonly collectors?: readonly string[];
  readonly extraArgs?: readonly string[];
}

export function startNodeExporter(opts: NodeExporterOptions = {}): Promise<NodeExporterPeer> {
  return startHttpPeer(
    {
      name: 'node_exporter',
      launch: (listen) => ({
        command: NODE_EXPORTER_BIN,
        args: [
          `--web.listen-address=${listen}`,
          '--collector.disable-defaults',
          ...(opts.collectors ?? NODE_EXPORTER_COLLECTORS).map((c) => `--collector.${c}`),
          ...vigilFilterFlags(),
          ...(opts.extraArgs ?? []),
        ],
      }),
      readyPaths: ['/metrics'],
      portTaken: /address already in use/,
    },
    (peer) => ({ scrape: () => getText(`${peer.url}/metrics`) }),
  );
}
