import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMounts, unescapeMountField } from './mounts.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('parseMounts', () => {
  it("parses this host's /proc/1/mounts", () => {
    const table = parseMounts(fixture('mounts.this-host'));
    expect(table.malformed).toBe(0);
    expect(table.mounts).toHaveLength(20);
    expect(table.mounts.find((m) => m.mountPoint === '/')).toEqual({
      device: '/dev/vda',
      mountPoint: '/',
      fsType: 'ext4',
      options: ['rw', 'relatime', 'discard', 'resv_strict', 'resuid=65534', 'resgid=65534'],
    });
    expect(table.mounts.filter((m) => m.fsType === 'cgroup2').map((m) => m.mountPoint)).toEqual(['/sys/fs/cgroup/unified']);
  });

  it('unescapes \\040 (space), \\011 (tab), \\012 (newline) and \\134 (backslash) in device and mount point', () => {
    const table = parseMounts(fixture('mounts.escapes'));
    expect(table.malformed).toBe(0);
    expect(table.mounts.map((m) => m.mountPoint)).toEqual([
      '/mnt/my disk',
      '/mnt/tab\there',
      '/mnt/back\\slash',
      '/mnt/new\nline',
      // "\134040" is an escaped backslash followed by the text "040", not a space
      '/mnt/literal\\040',
      '/mnt/plain',
    ]);
    expect(table.mounts[5]!.device).toBe('my device');
    expect(table.mounts[5]!.fsType).toBe('fuse.sshfs');
    expect(table.mounts[1]!.options).toEqual(['ro', 'noatime']);
  });

  it('leaves text without escapes alone', () => {
    expect(unescapeMountField('/var/lib/a-b_c.d')).toBe('/var/lib/a-b_c.d');
    expect(unescapeMountField('\\9')).toBe('\\9');
  });

  it('skips malformed lines, counts them, and keeps the rest', () => {
    const table = parseMounts(fixture('mounts.malformed'));
    // "garbage", a line with two fields, an empty mount point, an empty fstype, a relative mount point
    expect(table.malformed).toBe(5);
    expect(table.mounts.map((m) => [m.mountPoint, m.fsType])).toEqual([
      ['/', 'ext4'],
      ['/run', 'tmpfs'],
    ]);
  });
});
