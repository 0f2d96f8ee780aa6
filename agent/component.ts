// What every component receives from the agent: nothing global, everything through the context.
import type { Logger } from 'pino';

/** Host paths with node_exporter's `--path.*` meaning. */
export interface HostPaths {
  readonly procfs: string;
  readonly sysfs: string;
  readonly rootfs: string;
  readonly udevData: string;
}

export interface Context {
  readonly logger: Logger;
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  readonly now: () => number;
  readonly paths: HostPaths;
  readonly signal: AbortSignal;
}
