import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, sampleOf } from '../testing.ts';
import { osCollector } from './os.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('os collector', () => {
  it("reports node_os_info and node_os_version from this host's /etc/os-release", async () => {
    const { samples, malformed } = await collectFixture(osCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(samples).toHaveLength(2);
    const info = sampleOf(samples, 'node_os_info', {
      build_id: '',
      id: 'debian',
      id_like: '',
      image_id: '',
      image_version: '',
      name: 'Debian GNU/Linux',
      pretty_name: 'Debian GNU/Linux 12 (bookworm)',
      variant: '',
      variant_id: '',
      version: '12 (bookworm)',
      version_codename: 'bookworm',
      version_id: '12',
    });
    expect(info.value).toBe(1);
    expect(sampleOf(samples, 'node_os_version', { id: 'debian', id_like: '', name: 'Debian GNU/Linux' }).value).toBe(12);
  });

  it('falls back to /usr/lib/os-release', async () => {
    const { samples } = await collectFixture(osCollector, host('usr-lib-only'));
    expect(sampleOf(samples, 'node_os_version', { id: 'ubuntu', id_like: 'debian', name: 'Ubuntu' }).value).toBe(22.04);
    expect(samples.find((s) => s.name === 'node_os_info')!.labels.pretty_name).toBe('Ubuntu 22.04.4 LTS');
  });

  it('reports nothing, and does not fail, on a root without os-release', async () => {
    const { samples, malformed } = await collectFixture(osCollector, host('no-os-release'));
    expect(samples).toEqual([]);
    expect(malformed).toBe(0);
  });
});
