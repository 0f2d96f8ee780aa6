// node_disk_* from /proc/diskstats (and node_disk_info from udev's database), as node_exporter 1.x.
import path from 'node:path';
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { type MetricSpec, type SampleKind, gauge } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { parseDiskstats, parseUdevProperties } from '../procfs/diskstats.ts';
import { readOptional, readText } from '../read.ts';
import { nameFilter, regexString } from '../regex-filter.ts';

/** diskstats always counts 512-byte sectors, whatever the device's block size. */
const SECTOR_BYTES = 512;

// One entry per /proc/diskstats column, in column order: name, help, kind, and the factor to base units.
const COLUMNS: ReadonlyArray<readonly [string, string, SampleKind, number]> = [
  ['node_disk_reads_completed_total', 'The total number of reads completed successfully.', 'counter', 1],
  ['node_disk_reads_merged_total', 'The total number of reads merged.', 'counter', 1],
  ['node_disk_read_bytes_total', 'The total number of bytes read successfully.', 'counter', SECTOR_BYTES],
  ['node_disk_read_time_seconds_total', 'The total number of seconds spent by all reads.', 'counter', 0.001],
  ['node_disk_writes_completed_total', 'The total number of writes completed successfully.', 'counter', 1],
  ['node_disk_writes_merged_total', 'The number of writes merged.', 'counter', 1],
  ['node_disk_written_bytes_total', 'The total number of bytes written successfully.', 'counter', SECTOR_BYTES],
  ['node_disk_write_time_seconds_total', 'This is the total number of seconds spent by all writes.', 'counter', 0.001],
  ['node_disk_io_now', 'The number of I/Os currently in progress.', 'gauge', 1],
  ['node_disk_io_time_seconds_total', 'Total seconds spent doing I/Os.', 'counter', 0.001],
  ['node_disk_io_time_weighted_seconds_total', 'The weighted # of seconds spent doing I/Os.', 'counter', 0.001],
  ['node_disk_discards_completed_total', 'The total number of discards completed successfully.', 'counter', 1],
  ['node_disk_discards_merged_total', 'The total number of discards merged.', 'counter', 1],
  ['node_disk_discarded_sectors_total', 'The total number of sectors discarded successfully.', 'counter', 1],
  ['node_disk_discard_time_seconds_total', 'This is the total number of seconds spent by all discards.', 'counter', 0.001],
  ['node_disk_flush_requests_total', 'The total number of flush requests completed successfully', 'counter', 1],
  ['node_disk_flush_requests_time_seconds_total', 'This is the total number of seconds spent by all flush requests.', 'counter', 0.001],
];

const INFO_LABELS = ['device', 'major', 'minor', 'path', 'wwn', 'model', 'serial', 'revision'] as const;
// udev property behind each node_disk_info label
const UDEV_KEYS = { path: 'ID_PATH', wwn: 'ID_WWN', model: 'ID_MODEL', serial: 'ID_SERIAL_SHORT', revision: 'ID_REVISION' } as const;

const options = z.strictObject({
  deviceInclude: regexString.optional(),
  deviceExclude: regexString.default('^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\\d+n\\d+p)\\d+$'),
});

export const diskstatsCollector = {
  name: 'diskstats',
  defaultEnabled: true,
  options,
  metrics: [
    ...COLUMNS.map(([name, help, kind]): MetricSpec => ({ name, help, kind, labels: ['device'] })),
    { name: 'node_disk_info', help: 'Info of /sys/block/<block_device>.', kind: 'gauge', labels: INFO_LABELS },
  ],
  create(opts, ctx) {
    const file = procPath(ctx.paths, 'diskstats');
    const accept = nameFilter(opts.deviceInclude, opts.deviceExclude);
    // Disks rarely change: device labels and the udev-derived info labels are cached per major:minor.
    const deviceLabels = new Map<string, { device: string }>();
    const infoLabels = new Map<string, Record<string, string>>();

    async function diskInfo(device: string, major: string, minor: string): Promise<Record<string, string>> {
      const key = `${device} ${major}:${minor}`;
      const cached = infoLabels.get(key);
      if (cached) return cached;
      const udev = parseUdevProperties((await readOptional(path.join(ctx.paths.udevData, `b${major}:${minor}`))) ?? '');
      const labels: Record<string, string> = { device, major, minor };
      for (const [label, prop] of Object.entries(UDEV_KEYS)) labels[label] = udev.get(prop) ?? '';
      infoLabels.set(key, labels);
      return labels;
    }

    return {
      async collect(out) {
        const stats = parseDiskstats(await readText(file));
        for (const d of stats.disks) {
          if (!accept(d.device)) continue;
          let l = deviceLabels.get(d.device);
          if (l === undefined) deviceLabels.set(d.device, (l = { device: d.device }));
          const n = Math.min(d.fields.length, COLUMNS.length);
          for (let i = 0; i < n; i++) {
            const [name, , kind, factor] = COLUMNS[i]!;
            out.push({ name, labels: l, value: d.fields[i]! * factor, kind });
          }
          out.push(gauge('node_disk_info', await diskInfo(d.device, d.major, d.minor), 1));
        }
        return stats.malformed;
      },
    };
  },
} satisfies CollectorFactory<z.infer<typeof options>>;
