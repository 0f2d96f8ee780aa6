import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, labelValues, namesOf, sampleOf, valueOf } from '../testing.ts';
import { diskstatsCollector } from './diskstats.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

const ELEVEN = [
  'node_disk_io_now',
  'node_disk_io_time_seconds_total',
  'node_disk_io_time_weighted_seconds_total',
  'node_disk_read_bytes_total',
  'node_disk_read_time_seconds_total',
  'node_disk_reads_completed_total',
  'node_disk_reads_merged_total',
  'node_disk_write_time_seconds_total',
  'node_disk_writes_completed_total',
  'node_disk_writes_merged_total',
  'node_disk_written_bytes_total',
];
const DISCARDS = [
  'node_disk_discard_time_seconds_total',
  'node_disk_discarded_sectors_total',
  'node_disk_discards_completed_total',
  'node_disk_discards_merged_total',
];
const FLUSHES = ['node_disk_flush_requests_time_seconds_total', 'node_disk_flush_requests_total'];

describe('diskstats collector', () => {
  it('converts sectors to bytes (×512) and milliseconds to seconds (÷1000)', async () => {
    const { samples, malformed } = await collectFixture(diskstatsCollector, host('kernel-5.5'));
    expect(malformed).toBe(0);
    // sda 5000 100 120000 4000 6000 300 96000 5000 3 7000 9100 20 2 4000 60 700 800
    const sda = { device: 'sda' };
    expect(valueOf(samples, 'node_disk_reads_completed_total', sda)).toBe(5000);
    expect(valueOf(samples, 'node_disk_reads_merged_total', sda)).toBe(100);
    expect(valueOf(samples, 'node_disk_read_bytes_total', sda)).toBe(120000 * 512);
    expect(valueOf(samples, 'node_disk_read_time_seconds_total', sda)).toBe(4);
    expect(valueOf(samples, 'node_disk_writes_completed_total', sda)).toBe(6000);
    expect(valueOf(samples, 'node_disk_writes_merged_total', sda)).toBe(300);
    expect(valueOf(samples, 'node_disk_written_bytes_total', sda)).toBe(96000 * 512);
    expect(valueOf(samples, 'node_disk_write_time_seconds_total', sda)).toBe(5);
    expect(valueOf(samples, 'node_disk_io_now', sda)).toBe(3);
    expect(valueOf(samples, 'node_disk_io_time_seconds_total', sda)).toBe(7);
    expect(valueOf(samples, 'node_disk_io_time_weighted_seconds_total', sda)).toBe(9.1);
    expect(valueOf(samples, 'node_disk_discards_completed_total', sda)).toBe(20);
    expect(valueOf(samples, 'node_disk_discards_merged_total', sda)).toBe(2);
    expect(valueOf(samples, 'node_disk_discarded_sectors_total', sda)).toBe(4000);
    expect(valueOf(samples, 'node_disk_discard_time_seconds_total', sda)).toBe(0.06);
    expect(valueOf(samples, 'node_disk_flush_requests_total', sda)).toBe(700);
    expect(valueOf(samples, 'node_disk_flush_requests_time_seconds_total', sda)).toBe(0.8);
    expect(sampleOf(samples, 'node_disk_io_now', sda).kind).toBe('gauge');
    expect(sampleOf(samples, 'node_disk_read_bytes_total', sda).kind).toBe('counter');
  });

  it('drops partitions, loop and ram devices by default, and keeps whole disks', async () => {
    const { samples } = await collectFixture(diskstatsCollector, host('kernel-5.5'));
    expect(labelValues(samples, 'node_disk_reads_completed_total', 'device')).toEqual(['dm-0', 'nvme0n1', 'sda', 'sdb']);
    expect(labelValues(samples, 'node_disk_info', 'device')).toEqual(['dm-0', 'nvme0n1', 'sda', 'sdb']);
  });

  it("uses node_exporter's default exclusion on this host: loop and zram devices go, vda stays", async () => {
    const { samples, malformed } = await collectFixture(diskstatsCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(labelValues(samples, 'node_disk_reads_completed_total', 'device')).toEqual(['vda']);
    // vda 50792 9465 3409218 21211 …
    expect(valueOf(samples, 'node_disk_read_bytes_total', { device: 'vda' })).toBe(3409218 * 512);
    expect(valueOf(samples, 'node_disk_read_time_seconds_total', { device: 'vda' })).toBeCloseTo(21.211, 9);
  });

  it('takes deviceInclude over the default exclusion', async () => {
    const { samples } = await collectFixture(diskstatsCollector, host('kernel-5.5'), { deviceInclude: '^(sd|nvme)' });
    expect(labelValues(samples, 'node_disk_reads_completed_total', 'device')).toEqual(['nvme0n1', 'nvme0n1p1', 'sda', 'sda1', 'sdb']);
  });

  it('applies a custom deviceExclude instead of the default', async () => {
    const { samples } = await collectFixture(diskstatsCollector, host('kernel-5.5'), { deviceExclude: '^(dm-|sd)' });
    expect(labelValues(samples, 'node_disk_reads_completed_total', 'device')).toEqual(['loop0', 'nvme0n1', 'nvme0n1p1', 'ram0', 'xvda1']);
  });

  it('reports node_disk_info with udev properties, and empty labels where udev knows nothing', async () => {
    const { samples } = await collectFixture(diskstatsCollector, host('kernel-5.5'));
    expect(
      sampleOf(samples, 'node_disk_info', {
        device: 'sda',
        major: '8',
        minor: '0',
        path: 'pci-0000:00:17.0-ata-1',
        wwn: '0x5002538e40a1b2c3',
        model: 'Samsung_SSD_860_EVO_500GB',
        serial: 'S3Z1NB0K123456X',
        revision: 'RVT04B6Q',
      }).value,
    ).toBe(1);
    expect(
      sampleOf(samples, 'node_disk_info', { device: 'nvme0n1', major: '259', minor: '0', path: '', wwn: '', model: '', serial: '', revision: '' }).value,
    ).toBe(1);
  });

  it('reports only the 11 classic counters for an old kernel', async () => {
    const { samples } = await collectFixture(diskstatsCollector, host('kernel-2.6'));
    expect(labelValues(samples, 'node_disk_reads_completed_total', 'device')).toEqual(['sda']);
    expect(namesOf(samples)).toEqual([...ELEVEN, 'node_disk_info'].sort());
    // sda 1000 20 40000 3000 500 60 8000 7000 2 9000 10000
    expect(valueOf(samples, 'node_disk_io_time_weighted_seconds_total', { device: 'sda' })).toBe(10);
  });

  it('adds discards from Linux 4.18 and flushes from Linux 5.5', async () => {
    const v418 = await collectFixture(diskstatsCollector, host('kernel-4.18'));
    expect(namesOf(v418.samples)).toEqual([...ELEVEN, ...DISCARDS, 'node_disk_info'].sort());
    expect(valueOf(v418.samples, 'node_disk_discard_time_seconds_total', { device: 'sda' })).toBe(0.13);
    const v55 = await collectFixture(diskstatsCollector, host('kernel-5.5'));
    expect(namesOf(v55.samples)).toEqual([...ELEVEN, ...DISCARDS, ...FLUSHES, 'node_disk_info'].sort());
    // A 5.5 kernel has every field: every declared family is emitted.
    expect(namesOf(v55.samples)).toEqual(diskstatsCollector.metrics.map((m) => m.name).sort());
    expect(valueOf(v55.samples, 'node_disk_flush_requests_time_seconds_total', { device: 'nvme0n1' })).toBe(12.345);
  });

  it('skips malformed lines, counts them, and still reports the good devices', async () => {
    const { samples, malformed } = await collectFixture(diskstatsCollector, host('malformed'));
    expect(malformed).toBe(2);
    expect(labelValues(samples, 'node_disk_reads_completed_total', 'device')).toEqual(['vda']);
    expect(valueOf(samples, 'node_disk_read_bytes_total', { device: 'vda' })).toBe(800 * 512);
  });

  it('gives the same series on a second collect (cached labels)', async () => {
    const c = diskstatsCollector.create(diskstatsCollector.options.parse({}), host('kernel-5.5'));
    const a: Parameters<typeof c.collect>[0] = [];
    const b: Parameters<typeof c.collect>[0] = [];
    await c.collect(a);
    await c.collect(b);
    expect(b).toEqual(a);
  });
});
