import { describe, expect, it } from 'vitest';
import { translateNodeExporterFlags } from './node-exporter-flags.ts';

const COLLECTORS = ['cpu', 'filesystem', 'diskstats', 'netdev', 'textfile', 'loadavg'];
const t = (argv: string[]) => translateNodeExporterFlags(argv, COLLECTORS);

describe("node_exporter's flags as aliases", () => {
  it('maps valued flags (=value or a separate value) to config keys and leaves the rest of argv', () => {
    const r = t([
      'run',
      '--web.listen-address=:9100',
      '--web.config.file',
      '/etc/web.yml',
      '--interval',
      '5s',
      '--collector.textfile.directory=/var/lib/node_exporter',
      '--collector.filesystem.mount-points-exclude=^/x',
      '--collector.filesystem.fs-types-exclude=^tmpfs$',
      '--collector.diskstats.device-exclude=^loop',
      '--collector.netdev.device-exclude=^veth',
      '--web.telemetry-path=/node-metrics',
    ]);
    expect(r.errors).toEqual([]);
    expect(r.argv).toEqual(['run', '--interval', '5s']);
    expect(r.overrides).toEqual({
      listen: ':9100',
      metricsPath: '/node-metrics',
      web: { configFile: '/etc/web.yml' },
      collectors: {
        textfile: { directory: '/var/lib/node_exporter' },
        filesystem: { mountPointsExclude: '^/x', fsTypesExclude: '^tmpfs$' },
        diskstats: { deviceExclude: '^loop' },
        netdev: { deviceExclude: '^veth' },
      },
    });
  });

  it('--web.max-requests sets web.maxRequests as a number; a value that is not one is left for the schema to refuse', () => {
    expect(t(['--web.max-requests=0']).overrides).toEqual({ web: { maxRequests: 0 } });
    expect(t(['--web.max-requests', '10']).overrides).toEqual({ web: { maxRequests: 10 } });
    expect(t(['--web.max-requests=many']).overrides).toEqual({ web: { maxRequests: 'many' } });
  });

  it('switches collectors; --collector.disable-defaults turns off all but those enabled; disabling one Vigil lacks is fine', () => {
    const r = t(['run', '--collector.disable-defaults', '--collector.cpu', '--no-collector.wifi', '--collector.loadavg']);
    expect(r.errors).toEqual([]);
    const c = r.overrides.collectors as Record<string, { enabled: boolean }>;
    expect(Object.fromEntries(Object.entries(c).map(([k, v]) => [k, v.enabled]))).toEqual({
      cpu: true,
      filesystem: false,
      diskstats: false,
      netdev: false,
      textfile: false,
      loadavg: true,
    });
    expect(t(['--no-collector.cpu']).overrides).toEqual({ collectors: { cpu: { enabled: false } } });
  });

  it('names every node_exporter flag it cannot honour, with the config error code', () => {
    const r = t(['run', '--web.disable-exporter-metrics', '--collector.systemd', '--runtime.gomaxprocs', '2', '--collector.textfile.directory']);
    expect(r.errors.map((e) => e.where)).toEqual([
      '--web.disable-exporter-metrics',
      '--collector.systemd',
      '--runtime.gomaxprocs',
      '--collector.textfile.directory',
    ]);
    expect(r.errors.every((e) => e.code === 'VIGIL_ERR_CONFIG_INVALID' && e.message.includes(e.where))).toBe(true);
    expect(r.argv).toEqual(['run']);
  });
});
