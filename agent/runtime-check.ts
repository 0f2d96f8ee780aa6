// A start-up check of where the agent itself runs. systeminformation reads the agent's own
// environment well (it detects containers and hypervisors); it is NOT used for host metrics,
// because it reads the fixed /proc, /sys and /etc of the agent's own root and ignores --path.*.
// Its answer here catches the most common DaemonSet mistake: running in a container with the
// default /proc, so that network and mount figures describe the pod instead of the host.
// systeminformation (~2 MB of V8 heap, kept for the life of the process) is imported only when the
// check can warn: with the host mounted (--path.procfs/--path.rootfs set, as in the image and the
// DaemonSet) it has nothing to say and is not loaded (docs/footprint.md).
import type { Logger } from 'pino';
import type { HostPaths } from '../core/component.ts';

export interface RuntimeFacts {
  readonly container: boolean;
  readonly virtualization: string;
}

export async function runtimeFacts(): Promise<RuntimeFacts> {
  const { default: si } = await import('systeminformation');
  const system = await si.system();
  return { container: /container/i.test(system.model), virtualization: system.virtual ? system.virtualHost || 'unknown' : 'none' };
}

/** Whether the paths are the agent's own root's, the case the check is for. */
const ownRoot = (paths: HostPaths): boolean => paths.procfs === '/proc' && paths.rootfs === '/';

/** Returns a warning text when the configured paths look like the container's, not the host's. */
export function pathsWarning(facts: RuntimeFacts, paths: HostPaths): string | undefined {
  if (facts.container && ownRoot(paths)) {
    return 'running in a container with paths.procfs=/proc and paths.rootfs=/: metrics describe this container, not the host (mount the host at /host and pass --path.procfs=/host/proc --path.sysfs=/host/sys --path.rootfs=/host/root)';
  }
  return undefined;
}

export async function logRuntime(logger: Logger, paths: HostPaths): Promise<void> {
  if (!ownRoot(paths)) return;
  try {
    const facts = await runtimeFacts();
    logger.info({ runtime: facts }, 'runtime detected');
    const warning = pathsWarning(facts, paths);
    if (warning) logger.warn({ paths }, warning);
  } catch (err) {
    logger.debug({ err: (err as Error).message }, 'runtime detection failed');
  }
}
