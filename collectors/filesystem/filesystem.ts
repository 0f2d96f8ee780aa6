// node_filesystem_* for every mount in the host's mount table, statfs'ed under the configured rootfs.
// A statfs that hangs (dead NFS server, stuck FUSE daemon) must not hang the tick: it is given
// mountTimeout, then the mount is remembered as stuck and reported with device_error 1 until that
// statfs call returns (node_exporter's behaviour). One libuv thread stays blocked per stuck mount,
// never more, because a stuck mount is not asked again.
import { statfs as fsStatfs } from 'node:fs/promises';
import type { StatsFs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Context } from '../../core/component.ts';
import { duration, durationMs } from '../../core/duration.ts';
import { type Collector, type CollectorFactory } from '../collector.ts';
import { type MetricSpec, type Sample, gauge } from '../../core/samples.ts';
import { procPath } from '../host-path.ts';
import { type MountEntry, parseMounts } from '../procfs/mounts.ts';
import { readOptional, readText } from '../read.ts';
import { nameFilter, regexString } from '../regex-filter.ts';
import { withTimeout } from '../../core/with-timeout.ts';
import { logFailure } from '../../core/log-failure.ts';
import { ErrorCode } from '../../core/errors.ts';

export type Statfs = (path: string) => Promise<Pick<StatsFs, 'bsize' | 'blocks' | 'bfree' | 'bavail' | 'files' | 'ffree'>>;

const options = z.strictObject({
  mountPointsInclude: regexString.optional(),
  mountPointsExclude: regexString.default('^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)'),
  fsTypesInclude: regexString.optional(),
  fsTypesExclude: regexString.default(
    '^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|sysfs|tracefs)$',
  ),
  mountTimeout: duration().default('2s'),
});
type Options = z.infer<typeof options>;

const LABELS = ['device', 'fstype', 'mountpoint'];
const spec = (name: string, help: string): MetricSpec => ({ name, help, kind: 'gauge', labels: LABELS });

/** Mount points as the host sees them: a prefix equal to rootfs (the container's view of the host) is cut. */
export function stripRootfs(rootfs: string, mountPoint: string): string {
  const root = path.resolve(rootfs);
  if (root === '/') return mountPoint;
  if (mountPoint === root) return '/';
  return mountPoint.startsWith(root + '/') ? mountPoint.slice(root.length) : mountPoint;
}

export function createFilesystemCollector(opts: Options, ctx: Context, statfs: Statfs = fsStatfs): Collector {
  const acceptMount = nameFilter(opts.mountPointsInclude, opts.mountPointsExclude);
  const acceptType = nameFilter(opts.fsTypesInclude, opts.fsTypesExclude);
  const timeoutMs = durationMs(opts.mountTimeout);
  const stuck = new Set<string>();

  async function statWithTimeout(mountPoint: string): Promise<Awaited<ReturnType<Statfs>> | undefined> {
    const call = statfs(path.join(ctx.paths.rootfs, mountPoint));
    const result = await withTimeout(call, timeoutMs);
    if (result.done) return result.value;
    stuck.add(mountPoint);
    logFailure(ctx.logger, 'warn', ErrorCode.MOUNT_STUCK, undefined, 'statfs timed out; mount marked stuck', {
      collector: 'filesystem',
      mountpoint: mountPoint,
      timeoutMs,
    });
    call.then(
      () => stuck.delete(mountPoint),
      () => stuck.delete(mountPoint),
    );
    return undefined;
  }

  async function one(m: MountEntry, readOnly: boolean, out: Sample[]): Promise<void> {
    const labels = { device: m.device, fstype: m.fsType, mountpoint: m.mountPoint };
    let st: Awaited<ReturnType<Statfs>> | undefined;
    if (!stuck.has(m.mountPoint)) {
      try {
        st = await statWithTimeout(m.mountPoint);
      } catch (err) {
        ctx.logger.debug({ collector: 'filesystem', mountpoint: m.mountPoint, err: (err as Error).message }, 'statfs failed');
      }
    }
    out.push(gauge('node_filesystem_device_error', labels, st === undefined ? 1 : 0));
    if (st === undefined) return;
    out.push(gauge('node_filesystem_size_bytes', labels, st.blocks * st.bsize));
    out.push(gauge('node_filesystem_free_bytes', labels, st.bfree * st.bsize));
    out.push(gauge('node_filesystem_avail_bytes', labels, st.bavail * st.bsize));
    out.push(gauge('node_filesystem_files', labels, st.files));
    out.push(gauge('node_filesystem_files_free', labels, st.ffree));
    out.push(gauge('node_filesystem_readonly', labels, readOnly ? 1 : 0));
  }

  return {
    async collect(out) {
      // The host's mount table: PID 1's (the host's init when the pod has hostPID), else our own.
      const text = (await readOptional(procPath(ctx.paths, '1', 'mounts'))) ?? (await readText(procPath(ctx.paths, 'mounts')));
      const table = parseMounts(text);
      const seen = new Set<string>();
      const work: Promise<void>[] = [];
      for (const raw of table.mounts) {
        const m = { ...raw, mountPoint: stripRootfs(ctx.paths.rootfs, raw.mountPoint) };
        if (!acceptMount(m.mountPoint) || !acceptType(m.fsType)) continue;
        // The same device on the same mount point (stacked or repeated mounts) is one series.
        const key = `${m.device}\u0000${m.mountPoint}`;
        if (seen.has(key)) continue;
        seen.add(key);
        work.push(one(m, m.options.includes('ro'), out));
      }
      await Promise.all(work);
      return table.malformed;
    },
  };
}

export const filesystemCollector = {
  name: 'filesystem',
  defaultEnabled: true,
  options,
  metrics: [
    spec('node_filesystem_size_bytes', 'Filesystem size in bytes.'),
    spec('node_filesystem_free_bytes', 'Filesystem free space in bytes.'),
    spec('node_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes.'),
    spec('node_filesystem_files', 'Filesystem total file nodes.'),
    spec('node_filesystem_files_free', 'Filesystem total free file nodes.'),
    spec('node_filesystem_readonly', 'Filesystem read-only status.'),
    spec('node_filesystem_device_error', 'Whether an error occurred while getting statistics for the given device.'),
  ],
  create: (opts, ctx) => createFilesystemCollector(opts, ctx),
} satisfies CollectorFactory<Options>;
