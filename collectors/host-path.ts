// Every host file is read through the configured procfs / sysfs / rootfs, as node_exporter does,
// so that the same code reads the host's view from inside a pod (--path.procfs=/host/proc …).
import path from 'node:path';
import type { HostPaths } from '../core/component.ts';

export const procPath = (paths: HostPaths, ...parts: string[]): string => path.join(paths.procfs, ...parts);
export const sysPath = (paths: HostPaths, ...parts: string[]): string => path.join(paths.sysfs, ...parts);
export const rootPath = (paths: HostPaths, ...parts: string[]): string => path.join(paths.rootfs, ...parts);
