import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { logRuntime, pathsWarning, runtimeFacts } from './runtime-check.ts';

const paths = { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' };

describe('runtime check', () => {
  it('warns in a container whose paths are its own', () => {
    expect(pathsWarning({ container: true, virtualization: 'none' }, paths)).toMatch(/--path\.procfs/);
  });
  it('is quiet when the host is mounted, or outside containers', () => {
    expect(pathsWarning({ container: true, virtualization: 'none' }, { ...paths, procfs: '/host/proc', rootfs: '/host/root' })).toBeUndefined();
    expect(pathsWarning({ container: false, virtualization: 'KVM' }, paths)).toBeUndefined();
  });
  it('reads facts from this machine through systeminformation', async () => {
    const facts = await runtimeFacts();
    expect(typeof facts.container).toBe('boolean');
    expect(facts.virtualization.length).toBeGreaterThan(0);
  });
  it('is not run with the host mounted, where it could not warn', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (l: string) => void lines.push(l) });
    await logRuntime(logger, { ...paths, procfs: '/host/proc', rootfs: '/host/root' });
    expect(lines).toEqual([]);
    await logRuntime(logger, paths);
    expect(lines.join('')).toMatch(/runtime detected|runtime detection failed/);
  });
});
