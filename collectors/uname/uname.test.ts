import { machine } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, sampleOf } from '../testing.ts';
import { unameCollector } from './uname.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('uname collector', () => {
  it("reports node_uname_info from this host's /proc/sys/kernel, values trimmed", async () => {
    const { samples, malformed } = await collectFixture(unameCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(samples).toHaveLength(1);
    const info = sampleOf(samples, 'node_uname_info', {
      sysname: 'Linux',
      release: '6.18.44-fc-v782',
      version: '#1 SMP PREEMPT_DYNAMIC @0',
      machine: machine(),
      nodename: 'vm',
      domainname: '(none)',
    });
    expect(info.value).toBe(1);
    expect(info.kind).toBe('gauge');
  });

  it('fails as a whole when the kernel files are missing', async () => {
    await expect(collectFixture(unameCollector, host('does-not-exist'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
