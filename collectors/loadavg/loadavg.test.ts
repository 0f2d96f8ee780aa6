import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, valueOf } from '../testing.ts';
import { loadavgCollector } from './loadavg.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('loadavg collector', () => {
  it("reports node_load1/5/15 from this host's /proc/loadavg", async () => {
    const { samples, malformed } = await collectFixture(loadavgCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(samples).toHaveLength(3);
    expect(valueOf(samples, 'node_load1')).toBe(0.1);
    expect(valueOf(samples, 'node_load5')).toBe(0.09);
    expect(valueOf(samples, 'node_load15')).toBe(0.09);
    expect(samples.every((s) => s.kind === 'gauge')).toBe(true);
  });

  it('reports nothing and counts one malformed entry when the file does not parse', async () => {
    const { samples, malformed } = await collectFixture(loadavgCollector, host('malformed'));
    expect(malformed).toBe(1);
    expect(samples).toEqual([]);
  });
});
