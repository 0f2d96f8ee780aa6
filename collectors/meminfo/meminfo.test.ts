import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, namesOf, valueOf } from '../testing.ts';
import { meminfoCollector } from './meminfo.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('meminfo collector', () => {
  it("reports every field of this host's /proc/meminfo as an unlabelled gauge", async () => {
    const { samples, malformed } = await collectFixture(meminfoCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(samples).toHaveLength(54);
    expect(samples.every((s) => s.kind === 'gauge' && Object.keys(s.labels).length === 0)).toBe(true);
    expect(valueOf(samples, 'node_memory_MemTotal_bytes')).toBe(24683656 * 1024);
    expect(valueOf(samples, 'node_memory_Active_anon_bytes')).toBe(1548 * 1024);
    expect(valueOf(samples, 'node_memory_HugePages_Total')).toBe(0);
    expect(samples.some((s) => s.name === 'node_memory_HugePages_Total_bytes')).toBe(false);
    for (const s of samples) expect(meminfoCollector.dynamicMetrics[0]!.pattern.test(s.name)).toBe(true);
  });

  it('reports a host without swap as it is: SwapTotal 0, no SwapCached series', async () => {
    const { samples, malformed } = await collectFixture(meminfoCollector, host('no-swap'));
    expect(malformed).toBe(0);
    expect(valueOf(samples, 'node_memory_SwapTotal_bytes')).toBe(0);
    expect(valueOf(samples, 'node_memory_SwapFree_bytes')).toBe(0);
    expect(namesOf(samples)).not.toContain('node_memory_SwapCached_bytes');
    expect(valueOf(samples, 'node_memory_Active_anon_bytes')).toBe(401234 * 1024);
    expect(valueOf(samples, 'node_memory_HugePages_Total')).toBe(16);
    expect(valueOf(samples, 'node_memory_Hugepagesize_bytes')).toBe(2048 * 1024);
  });

  it('skips malformed lines, counts them, and still reports the good ones', async () => {
    const { samples, malformed } = await collectFixture(meminfoCollector, host('malformed'));
    expect(malformed).toBe(4);
    expect(namesOf(samples)).toEqual(['node_memory_Buffers_bytes', 'node_memory_HugePages_Total', 'node_memory_MemTotal_bytes']);
  });
});
