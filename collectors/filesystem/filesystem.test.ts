import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/samples.ts';
import { collectOnce, fixtureContext, labelValues, sampleOf, valueOf } from '../testing.ts';
import { createFilesystemCollector, filesystemCollector, type Statfs, stripRootfs } from './filesystem.ts';

type StatfsResult = Awaited<ReturnType<Statfs>>;

const host = (name: string, rootfs = '/') => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)), { rootfs });
const options = (over: Record<string, unknown> = {}) => filesystemCollector.options.parse(over);

// 1000 blocks of 4 KiB: 400 free, 300 available to non-root; 5000 inodes, 4000 free.
const STATS: StatfsResult = { bsize: 4096, blocks: 1000, bfree: 400, bavail: 300, files: 5000, ffree: 4000 };

/** A statfs that answers STATS unless `special` returns a promise for that path; it records every call. */
function fakeStatfs(special: (p: string, nth: number) => Promise<StatfsResult> | undefined = () => undefined) {
  const calls: string[] = [];
  const statfs: Statfs = (p) => {
    calls.push(p);
    return special(p, calls.filter((c) => c === p).length) ?? Promise.resolve(STATS);
  };
  return { statfs, calls, count: (p: string) => calls.filter((c) => c === p).length };
}

const namesFor = (samples: readonly Sample[], mountpoint: string): string[] =>
  samples
    .filter((s) => s.labels.mountpoint === mountpoint)
    .map((s) => s.name)
    .sort();

/** A mount that answers gets every family the collector declares. */
const ALL_NAMES = filesystemCollector.metrics.map((m) => m.name).sort();

describe('filesystem collector', () => {
  it('reports size, free, avail, files and device_error per mount, labelled device/fstype/mountpoint', async () => {
    const fake = fakeStatfs();
    const { samples, malformed } = await collectOnce(createFilesystemCollector(options(), host('hung'), fake.statfs));
    expect(malformed).toBe(0);
    const home = { device: '/dev/vdb1', fstype: 'xfs', mountpoint: '/home' };
    expect(valueOf(samples, 'node_filesystem_size_bytes', home)).toBe(1000 * 4096);
    expect(valueOf(samples, 'node_filesystem_free_bytes', home)).toBe(400 * 4096);
    expect(valueOf(samples, 'node_filesystem_avail_bytes', home)).toBe(300 * 4096);
    expect(valueOf(samples, 'node_filesystem_files', home)).toBe(5000);
    expect(valueOf(samples, 'node_filesystem_files_free', home)).toBe(4000);
    expect(valueOf(samples, 'node_filesystem_readonly', home)).toBe(0);
    expect(valueOf(samples, 'node_filesystem_device_error', home)).toBe(0);
    expect(samples.every((s) => s.kind === 'gauge')).toBe(true);
    expect(fake.calls.sort()).toEqual(['/', '/home', '/mnt/nfs']);
  });

  describe('a mount whose statfs hangs', () => {
    const NFS = { device: 'nfs.example.internal:/export', fstype: 'nfs4', mountpoint: '/mnt/nfs' };

    it('is given mountTimeout, then reported with device_error 1 while the other mounts are reported normally', async () => {
      const fake = fakeStatfs((p) => (p === '/mnt/nfs' ? new Promise<StatfsResult>(() => {}) : undefined));
      const collector = createFilesystemCollector(options({ mountTimeout: '50ms' }), host('hung'), fake.statfs);
      const t0 = performance.now();
      const { samples } = await collectOnce(collector);
      const elapsed = performance.now() - t0;
      expect(elapsed).toBeGreaterThanOrEqual(40);
      expect(elapsed).toBeLessThan(1000);
      expect(valueOf(samples, 'node_filesystem_device_error', NFS)).toBe(1);
      expect(namesFor(samples, '/mnt/nfs')).toEqual(['node_filesystem_device_error']);
      expect(namesFor(samples, '/')).toEqual(ALL_NAMES);
      expect(namesFor(samples, '/home')).toEqual(ALL_NAMES);
      expect(valueOf(samples, 'node_filesystem_device_error', { device: '/dev/vdb1', fstype: 'xfs', mountpoint: '/home' })).toBe(0);
    });

    it('is not asked again while its call is pending, and is asked again once that call returns', async () => {
      let release!: (st: StatfsResult) => void;
      const hanging = new Promise<StatfsResult>((resolve) => (release = resolve));
      const fake = fakeStatfs((p, nth) => (p === '/mnt/nfs' && nth === 1 ? hanging : undefined));
      const collector = createFilesystemCollector(options({ mountTimeout: '50ms' }), host('hung'), fake.statfs);

      await collectOnce(collector);
      expect(fake.count('/mnt/nfs')).toBe(1);

      const second = await collectOnce(collector);
      expect(fake.count('/mnt/nfs')).toBe(1);
      expect(fake.count('/')).toBe(2);
      expect(valueOf(second.samples, 'node_filesystem_device_error', NFS)).toBe(1);
      expect(namesFor(second.samples, '/mnt/nfs')).toEqual(['node_filesystem_device_error']);

      release({ ...STATS, blocks: 2000 });
      await new Promise((r) => setImmediate(r));

      const third = await collectOnce(collector);
      expect(fake.count('/mnt/nfs')).toBe(2);
      expect(valueOf(third.samples, 'node_filesystem_device_error', NFS)).toBe(0);
      expect(valueOf(third.samples, 'node_filesystem_size_bytes', NFS)).toBe(1000 * 4096);
    });

    it('is asked again after a statfs that failed outright (an error is not a hang)', async () => {
      const fake = fakeStatfs((p, nth) => (p === '/mnt/nfs' && nth === 1 ? Promise.reject(Object.assign(new Error('EACCES'), { code: 'EACCES' })) : undefined));
      const collector = createFilesystemCollector(options({ mountTimeout: '50ms' }), host('hung'), fake.statfs);
      const first = await collectOnce(collector);
      expect(namesFor(first.samples, '/mnt/nfs')).toEqual(['node_filesystem_device_error']);
      expect(valueOf(first.samples, 'node_filesystem_device_error', NFS)).toBe(1);
      const second = await collectOnce(collector);
      expect(fake.count('/mnt/nfs')).toBe(2);
      expect(valueOf(second.samples, 'node_filesystem_device_error', NFS)).toBe(0);
    });
  });

  it('reports readonly 1 only for mounts with the "ro" option', async () => {
    const { samples } = await collectOnce(createFilesystemCollector(options(), host('readonly'), fakeStatfs().statfs));
    expect(valueOf(samples, 'node_filesystem_readonly', { device: '/dev/vdb1', fstype: 'ext4', mountpoint: '/srv' })).toBe(1);
    // "errors=remount-ro" and "ro_like_option" are not "ro"
    expect(valueOf(samples, 'node_filesystem_readonly', { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' })).toBe(0);
    expect(valueOf(samples, 'node_filesystem_readonly', { device: '/dev/vdc1', fstype: 'xfs', mountpoint: '/data' })).toBe(0);
  });

  describe('default exclusions', () => {
    it('drop pseudo, container and image mounts without ever calling statfs on them', async () => {
      const fake = fakeStatfs();
      const { samples } = await collectOnce(createFilesystemCollector(options(), host('default-exclusions'), fake.statfs));
      // kept: real disks, /run (tmpfs), and look-alikes of excluded prefixes (/devices, /system, /var/lib/docker itself)
      expect(labelValues(samples, 'node_filesystem_device_error', 'mountpoint')).toEqual(['/', '/devices', '/run', '/system', '/var/lib/docker']);
      expect([...fake.calls].sort()).toEqual(['/', '/devices', '/run', '/system', '/var/lib/docker']);
    });

    it('report a mount listed twice (same device, same mount point) once', async () => {
      const fake = fakeStatfs();
      const { samples } = await collectOnce(createFilesystemCollector(options(), host('default-exclusions'), fake.statfs));
      expect(fake.count('/')).toBe(1);
      expect(sampleOf(samples, 'node_filesystem_size_bytes', { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' }).value).toBe(4096000);
    });

    it('give way to mountPointsInclude, while the fstype exclusion still applies', async () => {
      const { samples } = await collectOnce(
        createFilesystemCollector(options({ mountPointsInclude: '^/(run|dev)($|/)' }), host('default-exclusions'), fakeStatfs().statfs),
      );
      expect(labelValues(samples, 'node_filesystem_device_error', 'mountpoint')).toEqual(['/dev/shm', '/run', '/run/credentials/systemd-journald.service']);
    });

    it('give way to fsTypesInclude, while the mount point exclusion still applies', async () => {
      const { samples } = await collectOnce(
        createFilesystemCollector(options({ fsTypesInclude: '^(ext4|overlay)$' }), host('default-exclusions'), fakeStatfs().statfs),
      );
      expect(labelValues(samples, 'node_filesystem_device_error', 'mountpoint')).toEqual(['/', '/devices', '/var/lib/docker']);
    });

    it('keep / and drop the cgroup and /dev mounts of this host', async () => {
      const { samples } = await collectOnce(createFilesystemCollector(options(), host('this-host'), fakeStatfs().statfs));
      expect(labelValues(samples, 'node_filesystem_device_error', 'mountpoint')).toEqual(['/', '/mnt/sandboxing/model_tools_env/v1/python']);
      expect(valueOf(samples, 'node_filesystem_readonly', { device: '/dev/vda', fstype: 'ext4', mountpoint: '/' })).toBe(0);
    });
  });

  it("reports mount points under rootfs as the host sees them, and statfs'es them under rootfs", async () => {
    const fake = fakeStatfs();
    const { samples } = await collectOnce(createFilesystemCollector(options(), host('rootfs-prefix', '/host'), fake.statfs));
    expect(labelValues(samples, 'node_filesystem_device_error', 'mountpoint')).toEqual(['/', '/hostile', '/var']);
    expect(valueOf(samples, 'node_filesystem_readonly', { device: '/dev/vda1', fstype: 'ext4', mountpoint: '/' })).toBe(1);
    expect(valueOf(samples, 'node_filesystem_size_bytes', { device: '/dev/vda2', fstype: 'xfs', mountpoint: '/var' })).toBe(4096000);
    expect([...fake.calls].sort()).toEqual([path.join('/host', '/'), path.join('/host', '/hostile'), path.join('/host', '/var')].sort());
  });

  it("unescapes octal escapes into the mountpoint label and statfs'es the real path", async () => {
    const fake = fakeStatfs();
    const { samples, malformed } = await collectOnce(createFilesystemCollector(options(), host('escapes', '/host'), fake.statfs));
    expect(malformed).toBe(0);
    const mounts = ['/mnt/back\\slash', '/mnt/literal\\040', '/mnt/my disk', '/mnt/new\nline', '/mnt/plain', '/mnt/tab\there'];
    expect(labelValues(samples, 'node_filesystem_device_error', 'mountpoint')).toEqual(mounts);
    expect([...fake.calls].sort()).toEqual(mounts.map((m) => path.join('/host', m)).sort());
    expect(fake.calls).toContain('/host/mnt/my disk');
    expect(valueOf(samples, 'node_filesystem_size_bytes', { device: '/dev/sdb1', fstype: 'ext4', mountpoint: '/mnt/my disk' })).toBe(4096000);
    expect(valueOf(samples, 'node_filesystem_readonly', { device: '/dev/sdc1', fstype: 'xfs', mountpoint: '/mnt/tab\there' })).toBe(1);
    expect(valueOf(samples, 'node_filesystem_files', { device: 'my device', fstype: 'fuse.sshfs', mountpoint: '/mnt/plain' })).toBe(5000);
  });

  it('skips malformed mount lines, counts them, and still reports the good mounts', async () => {
    const { samples, malformed } = await collectOnce(createFilesystemCollector(options(), host('malformed'), fakeStatfs().statfs));
    expect(malformed).toBe(4);
    expect(labelValues(samples, 'node_filesystem_size_bytes', 'mountpoint')).toEqual(['/', '/run']);
  });

  it('falls back to <procfs>/mounts when <procfs>/1/mounts is missing', async () => {
    const { samples } = await collectOnce(createFilesystemCollector(options(), host('no-pid1'), fakeStatfs().statfs));
    expect(labelValues(samples, 'node_filesystem_size_bytes', 'mountpoint')).toEqual(['/']);
  });

  it("has node_exporter's defaults and validates its options", () => {
    const defaults = options();
    expect(defaults.mountTimeout).toBe('2s');
    expect(defaults.mountPointsInclude).toBeUndefined();
    expect(filesystemCollector.options.safeParse({ mountTimeout: 'soon' }).success).toBe(false);
    expect(filesystemCollector.options.safeParse({ fsTypesExclude: '[' }).success).toBe(false);
    expect(filesystemCollector.options.safeParse({ bogus: 1 }).success).toBe(false);
  });
});

describe('stripRootfs', () => {
  it('cuts a rootfs prefix at a path boundary only', () => {
    expect(stripRootfs('/host', '/host/var')).toBe('/var');
    expect(stripRootfs('/host', '/host')).toBe('/');
    expect(stripRootfs('/host/', '/host/var/log')).toBe('/var/log');
    expect(stripRootfs('/host', '/hostile')).toBe('/hostile');
    expect(stripRootfs('/host', '/proc')).toBe('/proc');
    expect(stripRootfs('/', '/var')).toBe('/var');
  });
});
