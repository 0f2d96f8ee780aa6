// A start-up check of where the agent itself runs. systeminformation reads the agent's own
// environment well (it detects containers and hypervisors); it is NOT used for host metrics,
// because it reads the fixed /proc, /sys and /etc of the agent's own root and ignores --path.*.
// Its answer here catches the most common DaemonSet mistake: running in a container with the
// default /proc, so that network and mount figures describe the pod instead of the host.
import si from 'systeminformation';
import type { Logger } from 'pino';
import type { HostPaths } from '../core/component.ts';

export interface RuntimeFacts {
  readonly container: boolean;
  readonly virtualization: string;
}

export async function runtimeFacts(): Promise<RuntimeFacts> {
  const system = await si.system();
  return { container: /container/i.test(system.model), virtualization: system.virtual ? system.virtualHost || 'unknown' : 'none' };
}

/** Returns a warning text when the configured paths look like the container's, not the host's. */
export function pathsWarning(facts: RuntimeFacts, paths: HostPaths): string | undefined {
  if (facts.container && paths.procfs === '/proc' && paths.rootfs === '/') {
    return 'running in a container with paths.procfs=/proc and paths.rootfs=/: metrics describe this container, not the host (mount the host at /host and pass --path.procfs=/host/proc --path.sysfs=/host/sys --path.rootfs=/host/root)';
  }
  return undefined;
}

export async function logRuntime(logger: Logger, paths: HostPaths): Promise<void> {
  try {
    const facts = await runtimeFacts();
    logger.info({ runtime: facts }, 'runtime detected');
    const warning = pathsWarning(facts, paths);
    if (warning) logger.warn({ paths }, warning);
  } catch (err) {
    logger.debug({ err: (err as Error).message }, 'runtime detection failed');
  }
}
