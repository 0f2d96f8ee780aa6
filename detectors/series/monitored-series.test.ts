import { describe, expect, it } from 'vitest';
import { counter, gauge } from '../../core/samples.ts';
import { MonitoredSeries } from './monitored-series.ts';

const snap = (t: number, samples: ReturnType<typeof counter>[]) => ({ timestamp: t * 1000, samples });

describe('monitored series', () => {
  it('turns counters into per-second rates; a reset yields no point for that tick; lo is left out', () => {
    const m = new MonitoredSeries({ include: [], exclude: [] });
    const at = (t: number, v: number) =>
      m.derive(snap(t, [counter('node_network_receive_bytes_total', { device: 'eth0' }, v), counter('node_network_receive_bytes_total', { device: 'lo' }, v)]));
    expect(at(0, 1000)).toEqual([]);
    expect(at(10, 3000)).toEqual([
      { key: 'node_network_receive_bytes_per_second{device="eth0"}', metric: 'node_network_receive_bytes_per_second', labels: { device: 'eth0' }, value: 200 },
      // The node total over the devices (lo left out).
      { key: 'node_network_receive_bytes_per_second{}', metric: 'node_network_receive_bytes_per_second', labels: {}, value: 200 },
    ]);
    expect(at(20, 500)).toEqual([]);
    expect(at(30, 1500).map((p) => p.value)).toEqual([100, 100]);
  });

  it('CPU busy ratio is 1 − Δidle/Δtotal over all CPUs; memory and filesystem ratios from their gauges', () => {
    const m = new MonitoredSeries({ include: [], exclude: [] });
    const at = (t: number, idle: number, user: number) =>
      m.derive(
        snap(t, [
          counter('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, idle),
          counter('node_cpu_seconds_total', { cpu: '1', mode: 'idle' }, idle),
          counter('node_cpu_seconds_total', { cpu: '0', mode: 'user' }, user),
          counter('node_cpu_seconds_total', { cpu: '1', mode: 'user' }, user),
          gauge('node_memory_MemTotal_bytes', {}, 1000),
          gauge('node_memory_MemAvailable_bytes', {}, 250),
          gauge('node_filesystem_size_bytes', { device: 'd', mountpoint: '/', fstype: 'ext4' }, 100),
          gauge('node_filesystem_avail_bytes', { device: 'd', mountpoint: '/', fstype: 'ext4' }, 40),
        ]),
      );
    at(0, 100, 100);
    const out = at(10, 106, 104);
    const v = Object.fromEntries(out.map((p) => [p.metric, p.value]));
    expect(v.node_cpu_busy_ratio).toBeCloseTo(0.4, 12);
    expect(v.node_memory_used_ratio).toBeCloseTo(0.75, 12);
    expect(v.node_filesystem_used_ratio).toBeCloseTo(0.6, 12);
  });

  it('exclude matches by name and exact labels', () => {
    const m = new MonitoredSeries({ include: [], exclude: [{ metric: 'node_load1' }, { metric: 'pg_replication_lag_seconds', labels: { target: 'a' } }] });
    const out = m.derive(
      snap(0, [gauge('node_load1', {}, 1), gauge('pg_replication_lag_seconds', { target: 'a' }, 2), gauge('pg_replication_lag_seconds', { target: 'b' }, 3)]),
    );
    expect(out.map((p) => `${p.metric}:${p.labels.target ?? ''}`)).toEqual(['pg_replication_lag_seconds:b']);
  });

  it('leaves virtual interfaces out, one by one and in the node total; a device that appears adds no jump', () => {
    const m = new MonitoredSeries({ include: [], exclude: [] });
    const rx = (device: string, v: number) => counter('node_network_receive_bytes_total', { device }, v);
    m.derive(snap(0, [rx('eth0', 0), rx('veth1a2b', 0), rx('cali77', 0)]));
    const out = m.derive(snap(10, [rx('eth0', 1000), rx('veth1a2b', 500), rx('cali77', 100)]));
    expect(out.map((p) => [p.labels.device ?? 'total', p.value])).toEqual([
      ['eth0', 100],
      ['total', 100],
    ]);
    // Pods come and go, and a physical device appears with a large counter: the total follows the
    // rates of the physical devices seen twice, never the counters' sum.
    const churned = m.derive(snap(20, [rx('eth0', 2000), rx('eth1', 9e12), rx('veth9f9f', 9e12)]));
    expect(churned.map((p) => [p.labels.device ?? 'total', p.value])).toEqual([
      ['eth0', 100],
      ['total', 100],
    ]);
    const next = m.derive(snap(30, [rx('eth0', 3000), rx('eth1', 9e12 + 500)]));
    expect(next.map((p) => [p.labels.device ?? 'total', p.value])).toEqual([
      ['eth0', 100],
      ['eth1', 50],
      ['total', 150],
    ]);
  });

  it('networkDeviceExclude replaces the default list', () => {
    const m = new MonitoredSeries({ include: [], exclude: [], networkDeviceExclude: '^eth' });
    const rx = (device: string, v: number) => counter('node_network_receive_bytes_total', { device }, v);
    m.derive(snap(0, [rx('eth0', 0), rx('veth1', 0)]));
    expect(m.derive(snap(10, [rx('eth0', 100), rx('veth1', 100)])).map((p) => [p.labels.device ?? 'total', p.value])).toEqual([
      ['veth1', 10],
      ['total', 10],
    ]);
  });
});
