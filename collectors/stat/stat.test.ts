import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, namesOf, sampleOf, valueOf } from '../testing.ts';
import { statCollector } from './stat.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('stat collector', () => {
  it("reports the kernel's global counters from this host's /proc/stat", async () => {
    const { samples, malformed } = await collectFixture(statCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(valueOf(samples, 'node_boot_time_seconds')).toBe(1795426952);
    expect(valueOf(samples, 'node_context_switches_total')).toBe(1715946);
    expect(valueOf(samples, 'node_intr_total')).toBe(876424);
    expect(valueOf(samples, 'node_forks_total')).toBe(7364);
    expect(valueOf(samples, 'node_procs_running')).toBe(1);
    expect(valueOf(samples, 'node_procs_blocked')).toBe(0);
    expect(samples).toHaveLength(6);
  });

  it('types counters and gauges as node_exporter does', async () => {
    const { samples } = await collectFixture(statCollector, host('64-cpus'));
    expect(sampleOf(samples, 'node_boot_time_seconds').kind).toBe('gauge');
    expect(sampleOf(samples, 'node_procs_running').kind).toBe('gauge');
    expect(sampleOf(samples, 'node_context_switches_total').kind).toBe('counter');
    expect(sampleOf(samples, 'node_forks_total').kind).toBe('counter');
    expect(valueOf(samples, 'node_context_switches_total')).toBe(123456789012);
    expect(valueOf(samples, 'node_intr_total')).toBe(98765432);
  });

  it('leaves out values whose line is malformed, counts them, and reports the rest', async () => {
    const { samples, malformed } = await collectFixture(statCollector, host('malformed'));
    expect(malformed).toBeGreaterThan(0);
    expect(namesOf(samples)).toEqual(['node_forks_total', 'node_intr_total', 'node_procs_blocked', 'node_procs_running']);
    expect(valueOf(samples, 'node_forks_total')).toBe(777);
  });

  it('fails as a whole on text without per-CPU lines (garbage in place of /proc/stat), rather than succeeding empty', async () => {
    await expect(collectFixture(statCollector, host('garbage'))).rejects.toThrow(/not a \/proc\/stat/);
  });
});
