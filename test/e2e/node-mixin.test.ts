// node-mixin's recording and alerting rules (testdata/node-mixin/, as the mixin publishes them) load
// unchanged: Prometheus' promtool accepts the file, `vigil check-rules` accepts it, and the agent's
// alerting stage runs it, recording instance:node_num_cpu:sum & co. and exporting them on request.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlertingStage } from '../../alerts/alerting-stage.ts';
import { alertingOptions } from '../../alerts/config.ts';
import type { StageContext } from '../../core/component.ts';
import { counter, gauge, type Sample } from '../../core/samples.ts';
import { writeFile } from 'node:fs/promises';
import { type AgentPeer, runCli, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { PROMTOOL_BIN } from '../peers/prometheus.ts';

const MIXIN = path.join(import.meta.dirname, 'testdata/node-mixin/node-mixin.rules.yml');

let dir = '';
let agent: AgentPeer | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-node-mixin-'));
});
afterAll(async () => {
  await agent?.stop();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function ctx(): StageContext {
  return {
    logger: pino({ level: 'silent' }),
    now: () => Date.now(),
    paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
    signal: new AbortController().signal,
    stateDir: dir,
    nodeName: 'n1',
    externalUrl: 'http://n1:9464',
    meter: undefined as never,
    env: {},
  };
}

/** A node as Prometheus scrapes it (job="node"): 2 CPUs, memory, a disk, two interfaces. */
function node(tick: number): Sample[] {
  const l = { job: 'node', instance: 'n1:9100' };
  const t = tick * 10;
  const out: Sample[] = [];
  for (const cpu of ['0', '1']) {
    out.push(counter('node_cpu_seconds_total', { ...l, cpu, mode: 'idle' }, 1000 + t * 0.75));
    out.push(counter('node_cpu_seconds_total', { ...l, cpu, mode: 'user' }, 500 + t * 0.25));
  }
  out.push(gauge('node_load1', l, 3));
  out.push(gauge('node_memory_MemAvailable_bytes', l, 2e9), gauge('node_memory_MemTotal_bytes', l, 8e9));
  out.push(counter('node_vmstat_pgmajfault', l, 100 + tick * 50));
  out.push(counter('node_disk_io_time_seconds_total', { ...l, device: 'sda' }, 10 + t * 0.5));
  out.push(counter('node_disk_io_time_weighted_seconds_total', { ...l, device: 'sda' }, 20 + t));
  for (const device of ['lo', 'eth0']) {
    out.push(counter('node_network_receive_bytes_total', { ...l, device }, 1e6 + t * 1000));
    out.push(counter('node_network_transmit_bytes_total', { ...l, device }, 2e6 + t * 2000));
    out.push(counter('node_network_receive_drop_total', { ...l, device }, 0));
    out.push(counter('node_network_transmit_drop_total', { ...l, device }, 0));
  }
  return out;
}

describe('node-mixin rules, as published, load unchanged', () => {
  it('promtool and vigil check-rules both accept the file', async () => {
    const prom = spawnSync(PROMTOOL_BIN, ['check', 'rules', MIXIN], { encoding: 'utf8' });
    expect(prom.status, prom.stdout + prom.stderr).toBe(0);
    const r = await runCli(['check-rules', MIXIN]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 2 groups, 36 rules');
  });

  it('the agent records the mixin series and exports them with alerting.exportRecordedSeries', async () => {
    const created = await createAlertingStage(alertingOptions.parse({ ruleFiles: [MIXIN], evaluationInterval: '10s', exportRecordedSeries: true }), ctx());
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const stage = created.stage;
    const t0 = Date.UTC(2026, 10, 29, 12);
    let samples: Sample[] = [];
    // 5 minutes of ticks: the [5m] windows are full, so the rates need no extrapolation.
    for (let tick = 0; tick <= 30; tick++) samples = (await stage.evaluate({ timestamp: t0 + tick * 10_000, samples: node(tick) })).samples;
    const value = (name: string, labels: Record<string, string> = {}) =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).map((s) => s.value);
    expect(value('instance:node_num_cpu:sum', { job: 'node', instance: 'n1:9100' })).toEqual([2]);
    // Read by the next rule of the group at the same evaluation.
    expect(value('instance:node_load1_per_cpu:ratio')).toEqual([1.5]);
    expect(value('instance:node_cpu_utilisation:rate5m')[0]).toBeCloseTo(0.25, 10);
    expect(value('instance:node_memory_utilisation:ratio')).toEqual([0.75]);
    expect(value('instance:node_vmstat_pgmajfault:rate5m')).toEqual([5]);
    expect(value('instance_device:node_disk_io_time_seconds:rate5m', { device: 'sda' })[0]).toBeCloseTo(0.5, 10);
    expect(value('instance:node_network_receive_bytes_excluding_lo:rate5m')[0]).toBeCloseTo(1000, 6);
    expect(stage.metrics.some((m) => m.name === 'instance:node_num_cpu:sum')).toBe(true);
    expect(value('vigil_rule_group_rules').sort()).toEqual([11, 25]);
    await stage.stop();

    // Not exported by default: a central Prometheus running the same rules would ingest them twice.
    const quiet = await createAlertingStage(alertingOptions.parse({ ruleFiles: [MIXIN], evaluationInterval: '10s' }), ctx());
    if (!quiet.ok) throw new Error(JSON.stringify(quiet.errors));
    let out: Sample[] = [];
    for (let tick = 0; tick < 2; tick++) out = (await quiet.stage.evaluate({ timestamp: t0 + tick * 10_000, samples: node(tick) })).samples;
    expect(out.filter((s) => s.name.includes(':'))).toEqual([]);
    expect(quiet.stage.metrics.some((m) => m.name.includes(':'))).toBe(false);
    await quiet.stage.stop();
  });

  it('the running agent starts with the mixin file and serves recorded series on /metrics when asked', async () => {
    // The agent's own series carry no job label (Prometheus adds it when it scrapes), so a rule file
    // over the agent's names shows the export; the mixin's file loads beside it unchanged.
    const own = path.join(dir, 'own.rules.yml');
    await writeFile(
      own,
      'groups:\n  - name: own\n    rules:\n      - record: vigil:ticks:max\n        expr: max(vigil_ticks_total)\n        labels: { source: agent }\n      - record: vigil:ticks:double\n        expr: vigil:ticks:max * 2\n',
    );
    const config = path.join(dir, 'vigil.yml');
    await writeFile(config, `alerting:\n  ruleFiles: [${JSON.stringify(MIXIN)}, ${JSON.stringify(own)}]\n  exportRecordedSeries: true\n`);
    agent = await startAgent({ interval: '1s', args: ['--config', config] });
    let text = '';
    await until('recorded series on /metrics', async () => {
      text = await agent!.scrape();
      return /^vigil:ticks:double\{source="agent"\} \d/m.test(text);
    });
    const max = Number(/^vigil:ticks:max\{source="agent"\} (\S+)/m.exec(text)?.[1]);
    const double = Number(/^vigil:ticks:double\{source="agent"\} (\S+)/m.exec(text)?.[1]);
    expect(double).toBe(2 * max);
    expect(text).toMatch(/^# TYPE vigil:ticks:max gauge$/m);
    expect(text).toMatch(/^vigil_rule_group_rules\{rule_group="[^"]*node-mixin\.rules\.yml;node-exporter\.rules"\} 11$/m);
  });
});
