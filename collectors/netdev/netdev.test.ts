import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, labelValues, valueOf } from '../testing.ts';
import { netdevCollector } from './netdev.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('netdev collector', () => {
  it('reports 16 counters per interface of this host', async () => {
    const { samples, malformed } = await collectFixture(netdevCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(labelValues(samples, 'node_network_receive_bytes_total', 'device')).toEqual(['eth0', 'ifb0', 'ifb1', 'lo']);
    expect(samples).toHaveLength(4 * 16);
    expect(samples.every((s) => s.kind === 'counter')).toBe(true);
    expect(valueOf(samples, 'node_network_receive_bytes_total', { device: 'eth0' })).toBe(391893492);
    expect(valueOf(samples, 'node_network_transmit_packets_total', { device: 'eth0' })).toBe(7480);
  });

  it("maps each column to node_exporter's name, and keeps dots and dashes in device names", async () => {
    const { samples } = await collectFixture(netdevCollector, host('vlan-bridge'));
    const d = { device: 'eth0.100' };
    // eth0.100: 123456789 1000 1 2 3 4 5 6 987654321 2000 7 8 9 10 11 12
    expect(valueOf(samples, 'node_network_receive_bytes_total', d)).toBe(123456789);
    expect(valueOf(samples, 'node_network_receive_packets_total', d)).toBe(1000);
    expect(valueOf(samples, 'node_network_receive_errs_total', d)).toBe(1);
    expect(valueOf(samples, 'node_network_receive_drop_total', d)).toBe(2);
    expect(valueOf(samples, 'node_network_receive_fifo_total', d)).toBe(3);
    expect(valueOf(samples, 'node_network_receive_frame_total', d)).toBe(4);
    expect(valueOf(samples, 'node_network_receive_compressed_total', d)).toBe(5);
    expect(valueOf(samples, 'node_network_receive_multicast_total', d)).toBe(6);
    expect(valueOf(samples, 'node_network_transmit_bytes_total', d)).toBe(987654321);
    expect(valueOf(samples, 'node_network_transmit_packets_total', d)).toBe(2000);
    expect(valueOf(samples, 'node_network_transmit_errs_total', d)).toBe(7);
    expect(valueOf(samples, 'node_network_transmit_drop_total', d)).toBe(8);
    expect(valueOf(samples, 'node_network_transmit_fifo_total', d)).toBe(9);
    expect(valueOf(samples, 'node_network_transmit_colls_total', d)).toBe(10);
    expect(valueOf(samples, 'node_network_transmit_carrier_total', d)).toBe(11);
    expect(valueOf(samples, 'node_network_transmit_compressed_total', d)).toBe(12);
    expect(valueOf(samples, 'node_network_receive_multicast_total', { device: 'br-1a2b3c4d5e6f' })).toBe(1);
    expect(labelValues(samples, 'node_network_receive_bytes_total', 'device')).toEqual(['br-1a2b3c4d5e6f', 'eth0.100', 'eth1', 'lo', 'veth1a-2b.3']);
  });

  it('reports only devices matching deviceInclude', async () => {
    const { samples } = await collectFixture(netdevCollector, host('vlan-bridge'), { deviceInclude: '^eth' });
    expect(labelValues(samples, 'node_network_receive_bytes_total', 'device')).toEqual(['eth0.100', 'eth1']);
  });

  it('drops devices matching deviceExclude', async () => {
    const { samples } = await collectFixture(netdevCollector, host('vlan-bridge'), { deviceExclude: '^(lo|br-.*|veth.*)$' });
    expect(labelValues(samples, 'node_network_receive_bytes_total', 'device')).toEqual(['eth0.100', 'eth1']);
  });

  it('matches regexes against the whole name only where anchored (a dot is any character)', async () => {
    const { samples } = await collectFixture(netdevCollector, host('vlan-bridge'), { deviceExclude: '\\.' });
    expect(labelValues(samples, 'node_network_receive_bytes_total', 'device')).toEqual(['br-1a2b3c4d5e6f', 'eth1', 'lo']);
  });

  it('rejects a regex that does not compile', () => {
    expect(netdevCollector.options.safeParse({ deviceInclude: '(' }).success).toBe(false);
  });

  it('skips malformed lines, counts them, and still reports the good interfaces', async () => {
    const { samples, malformed } = await collectFixture(netdevCollector, host('malformed'));
    expect(malformed).toBe(4);
    expect(labelValues(samples, 'node_network_receive_bytes_total', 'device')).toEqual(['eth0', 'lo']);
    expect(valueOf(samples, 'node_network_transmit_bytes_total', { device: 'eth0' })).toBe(600);
  });
});
