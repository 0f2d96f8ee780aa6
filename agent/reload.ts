// What a reload (SIGHUP, POST /-/reload) cannot change in a running agent: the settings that the
// server, the state directory, the host paths and the node page were built from. A reload that
// changes one keeps the running value and logs it as needing a restart; everything else applies live.
import type { Config } from './config.ts';

/** Top-level keys that take effect only at start. */
const RESTART_ONLY_KEYS = ['listen', 'stateDir', 'paths', 'nodeName', 'externalUrl', 'nodePage'] as const satisfies readonly (keyof Config)[];

/** The restart-only keys whose value differs between the running config and the new one. */
export function restartOnlyChanges(running: Config, next: Config): string[] {
  return RESTART_ONLY_KEYS.filter((k) => JSON.stringify(running[k]) !== JSON.stringify(next[k]));
}
