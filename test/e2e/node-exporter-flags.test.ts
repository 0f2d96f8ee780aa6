// A node_exporter DaemonSet's args given to `vigil run`/`check-config` unchanged: the real CLI.
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { runCli, startAgent } from '../peers/agent.ts';

// The args prometheus-community's node-exporter chart renders by default, plus common extras.
const CHART_ARGS = [
  '--path.procfs=/host/proc',
  '--path.sysfs=/host/sys',
  '--path.rootfs=/host/root',
  '--path.udev.data=/host/root/run/udev/data',
  '--web.listen-address=[::]:9100',
  '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|var/lib/docker/.+)($|/)',
  '--collector.filesystem.fs-types-exclude=^(autofs|proc|sysfs|tmpfs)$',
  '--collector.textfile.directory=/var/lib/node_exporter/textfile_collector',
  '--no-collector.wifi',
  '--no-collector.pressure',
];

describe("node_exporter's flags on the vigil command line", () => {
  it("check-config takes a node-exporter DaemonSet's args and shows them in the effective config", async () => {
    const r = await runCli(['check-config', ...CHART_ARGS]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const config = parseYaml(r.stdout) as { listen: string; paths: Record<string, string>; collectors: Record<string, Record<string, unknown>> };
    expect(config.listen).toBe('[::]:9100');
    expect(config.paths).toMatchObject({ procfs: '/host/proc', sysfs: '/host/sys', rootfs: '/host/root', udevData: '/host/root/run/udev/data' });
    expect(config.collectors.filesystem).toMatchObject({
      mountPointsExclude: '^/(dev|proc|sys|var/lib/docker/.+)($|/)',
      fsTypesExclude: '^(autofs|proc|sysfs|tmpfs)$',
    });
    expect(config.collectors.textfile).toMatchObject({ enabled: true, directory: '/var/lib/node_exporter/textfile_collector' });
    expect(config.collectors.pressure).toMatchObject({ enabled: false });
  });

  it("Vigil's own flag wins over node_exporter's alias", async () => {
    const r = await runCli(['check-config', '--web.listen-address=:9100', '--listen', '127.0.0.1:9464']);
    expect(r.code).toBe(0);
    expect((parseYaml(r.stdout) as { listen: string }).listen).toBe('127.0.0.1:9464');
  });

  it('an unknown node_exporter flag stops `run` with exit 2 and names the flag', async () => {
    const r = await runCli(['run', '--web.disable-exporter-metrics', '--collector.systemd']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('VIGIL_ERR_CONFIG_INVALID --web.disable-exporter-metrics:');
    expect(r.stderr).toContain('VIGIL_ERR_CONFIG_INVALID --collector.systemd:');
  });

  it('--web.telemetry-path moves the scrape endpoint, as in node_exporter', async () => {
    const agent = await startAgent({ interval: '1s', args: ['--web.telemetry-path=/node-metrics'] });
    try {
      const res = await fetch(`${agent.url}/node-metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^node_load1 /m);
      expect((await fetch(`${agent.url}/metrics`)).status).toBe(404);
    } finally {
      await agent.stop();
    }
  });
});
