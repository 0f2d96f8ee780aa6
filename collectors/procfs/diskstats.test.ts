import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDiskstats, parseUdevProperties } from './diskstats.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('parseDiskstats', () => {
  it("parses this host's /proc/diskstats (17 counters per device)", () => {
    const stats = parseDiskstats(fixture('diskstats.this-host'));
    expect(stats.malformed).toBe(0);
    expect(stats.disks.map((d) => d.device)).toEqual(['loop0', 'loop1', 'loop2', 'loop3', 'loop4', 'loop5', 'loop6', 'loop7', 'vda', 'zram0']);
    const vda = stats.disks.find((d) => d.device === 'vda')!;
    expect([vda.major, vda.minor]).toEqual(['254', '0']);
    expect(vda.fields).toEqual([50792, 9465, 3409218, 21211, 14377, 41229, 3594576, 19335, 0, 32176, 47954, 14943, 80, 856176, 6367, 1120, 1040]);
  });

  it('keeps the 11 counters of an old kernel', () => {
    const stats = parseDiskstats(fixture('diskstats.kernel-2.6'));
    expect(stats.malformed).toBe(0);
    expect(stats.disks[0]).toEqual({ major: '8', minor: '0', device: 'sda', fields: [1000, 20, 40000, 3000, 500, 60, 8000, 7000, 2, 9000, 10000] });
    expect(stats.disks[1]!.fields).toHaveLength(11);
  });

  it('keeps the 15 counters of a 4.18 kernel and the 17 of a 5.5 kernel', () => {
    expect(parseDiskstats(fixture('diskstats.kernel-4.18')).disks[0]!.fields).toHaveLength(15);
    const stats = parseDiskstats(fixture('diskstats.kernel-5.5'));
    expect(stats.malformed).toBe(0);
    const nvme = stats.disks.find((d) => d.device === 'nvme0n1')!;
    expect(nvme.fields).toHaveLength(17);
    expect(nvme.fields.slice(14)).toEqual([3, 2112, 12345]);
  });

  it('skips malformed lines, counts them, and keeps the rest', () => {
    const stats = parseDiskstats(fixture('diskstats.malformed'));
    // too few counters; a counter that is not a number
    expect(stats.malformed).toBe(2);
    expect(stats.disks.map((d) => d.device)).toEqual(['vda']);
    expect(stats.disks[0]!.fields[0]).toBe(100);
  });
});

describe('parseUdevProperties', () => {
  it('reads E: properties only, splitting at the first "="', () => {
    const props = parseUdevProperties(fixture('udev-b8:0'));
    expect(props.get('ID_MODEL')).toBe('Samsung_SSD_860_EVO_500GB');
    expect(props.get('ID_SERIAL_SHORT')).toBe('S3Z1NB0K123456X');
    expect(props.get('ID_PATH')).toBe('pci-0000:00:17.0-ata-1');
    expect(props.get('ID_FS_LABEL')).toBe('with=equals');
    expect(props.has('disk/by-id/ata-Samsung_SSD_860_EVO_500GB_S3Z1NB0K123456X')).toBe(false);
    expect(props.size).toBe(8);
  });
});
