import { describe, expect, it } from 'vitest';
import { pathsWarning, runtimeFacts } from './runtime-check.ts';

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
});
