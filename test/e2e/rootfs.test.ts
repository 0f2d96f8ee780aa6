// The host-root case (a pod with the host mounted under one directory): with --path.procfs and
// --path.rootfs, the filesystem collector must report the mounts of the given mount table, statfs'ed
// under the given root, and nothing of the machine the agent runs on.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { type Exposition, type PromSample, parsePromText, scalar } from '../peers/prom-text.ts';

// The fake host's mount table: two mounts to report (one with an escaped space, one read-only) and
// ones that Vigil's default filters must drop (pseudo filesystems, /dev, /proc, /sys, docker layers).
const MOUNTS = [
  'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
  'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0',
  'devtmpfs /dev devtmpfs rw,nosuid,size=4096k 0 0',
  '/dev/sdz1 /data ext4 rw,relatime 0 0',
  '/dev/sdz2 /srv/with\\040space xfs ro,relatime 0 0',
  'overlay /var/lib/docker/overlay2/abc/merged overlay rw,relatime 0 0',
  'cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid 0 0',
].join('\n');

// Files the other collectors read under procfs, copied from the real /proc so they keep working.
const PROC_FILES = [
  'stat',
  'meminfo',
  'diskstats',
  'loadavg',
  'net/dev',
  'pressure/cpu',
  'pressure/io',
  'pressure/memory',
  'sys/kernel/ostype',
  'sys/kernel/osrelease',
  'sys/kernel/version',
  'sys/kernel/hostname',
  'sys/kernel/domainname',
];

// A load average no real host shows at the same moment: proves /proc is read from the tree.
const FAKE_LOADAVG = '7.25 6.50 5.75 3/321 4242\n';

describe('host root under --path.rootfs / --path.procfs', () => {
  let tree: string;
  let agent: AgentPeer | undefined;
  let metrics: Exposition;

  beforeAll(async () => {
    tree = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-rootfs-'));
    mkdirSync(path.join(tree, 'proc', '1'), { recursive: true });
    writeFileSync(path.join(tree, 'proc', '1', 'mounts'), MOUNTS + '\n');
    mkdirSync(path.join(tree, 'data'));
    mkdirSync(path.join(tree, 'srv', 'with space'), { recursive: true });
    for (const f of PROC_FILES) {
      const from = path.join('/proc', f);
      const to = path.join(tree, 'proc', f);
      mkdirSync(path.dirname(to), { recursive: true });
      try {
        // /proc files report size 0: read and write rather than copy.
        writeFileSync(to, readFileSync(from));
      } catch {
        // Not on this kernel (pressure without PSI): the collector treats that as "no data here".
      }
    }
    writeFileSync(path.join(tree, 'proc', 'loadavg'), FAKE_LOADAVG);
    mkdirSync(path.join(tree, 'etc'));
    copyFileSync('/etc/os-release', path.join(tree, 'etc', 'os-release'));
    agent = await startAgent({ interval: '1s', args: [`--path.procfs=${path.join(tree, 'proc')}`, `--path.rootfs=${tree}`] });
    metrics = parsePromText(await agent.scrape());
  });

  afterAll(async () => {
    await agent?.stop();
    if (tree) rmSync(tree, { recursive: true, force: true });
  });

  const family = (name: string): PromSample[] => metrics.families.get(name)?.samples ?? [];
  const byMount = (name: string): Map<string, PromSample> => new Map(family(name).map((s) => [s.labels.mountpoint!, s]));

  it("reports exactly the tree's mount points, with device and fstype from its mount table", () => {
    const names = [...metrics.families.keys()].filter((n) => n.startsWith('node_filesystem_'));
    expect(names.length, names.join(', ')).toBeGreaterThanOrEqual(7);
    for (const name of names) {
      const mounts = family(name).map((s) => s.labels.mountpoint);
      expect(mounts.sort(), name).toEqual(['/data', '/srv/with space']);
    }
    const size = byMount('node_filesystem_size_bytes');
    expect(size.get('/data')!.labels).toEqual({ device: '/dev/sdz1', fstype: 'ext4', mountpoint: '/data' });
    expect(size.get('/srv/with space')!.labels).toEqual({ device: '/dev/sdz2', fstype: 'xfs', mountpoint: '/srv/with space' });
  });

  it("reports none of the machine's own mounts", () => {
    const own = readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1])
      .filter((m): m is string => m !== undefined && m !== '' && m !== '/data');
    expect(own).toContain('/');
    const reported = new Set(family('node_filesystem_size_bytes').map((s) => s.labels.mountpoint));
    for (const m of own) expect(reported.has(m), `machine mount ${m} reported`).toBe(false);
    // Nor the tree's own path (the rootfs prefix is not a mount point of the host).
    for (const m of reported) expect(m).not.toContain(tree);
  });

  it('marks the ro mount read-only and the rw mount writable, both statfs-able', () => {
    const ro = byMount('node_filesystem_readonly');
    expect(ro.get('/srv/with space')!.value).toBe(1);
    expect(ro.get('/data')!.value).toBe(0);
    for (const s of family('node_filesystem_device_error')) expect(s.value, s.labels.mountpoint).toBe(0);
  });

  it('takes sizes from statfs of the directory under rootfs', () => {
    const st = statfsSync(path.join(tree, 'data'));
    const stSpace = statfsSync(path.join(tree, 'srv', 'with space'));
    expect(byMount('node_filesystem_size_bytes').get('/data')!.value).toBe(st.blocks * st.bsize);
    expect(byMount('node_filesystem_files').get('/data')!.value).toBe(st.files);
    expect(byMount('node_filesystem_size_bytes').get('/srv/with space')!.value).toBe(stSpace.blocks * stSpace.bsize);
    // Free space moves with whatever else writes to this disk; a percent is plenty to tell it apart.
    const avail = byMount('node_filesystem_avail_bytes').get('/data')!.value;
    expect(Math.abs(avail - st.bavail * st.bsize)).toBeLessThanOrEqual(0.01 * st.blocks * st.bsize);
  });

  it("reads the other collectors' files from the given procfs too", () => {
    expect(scalar(metrics, 'node_load1')).toBe(7.25);
    expect(scalar(metrics, 'node_load15')).toBe(5.75);
    const failed = family('node_scrape_collector_success')
      .filter((s) => s.value !== 1)
      .map((s) => s.labels.collector);
    expect(failed, 'collectors that failed on the tree').toEqual([]);
    expect(family('node_scrape_collector_success').length).toBeGreaterThan(5);
  });
});
