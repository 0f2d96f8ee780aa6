import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, labelValues, namesOf, valueOf } from '../testing.ts';
import { cpuCollector } from './cpu.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));
const MODES = ['idle', 'iowait', 'irq', 'nice', 'softirq', 'steal', 'system', 'user'];

describe('cpu collector', () => {
  it('reports node_cpu_seconds_total for each of 64 CPUs and 8 modes, in seconds', async () => {
    const { samples, malformed } = await collectFixture(cpuCollector, host('64-cpus'));
    expect(malformed).toBe(0);
    const seconds = samples.filter((s) => s.name === 'node_cpu_seconds_total');
    expect(seconds).toHaveLength(64 * 8);
    expect(labelValues(samples, 'node_cpu_seconds_total', 'cpu')).toEqual(Array.from({ length: 64 }, (_, i) => String(i)).sort());
    expect(labelValues(samples, 'node_cpu_seconds_total', 'mode')).toEqual(MODES);
    // cpu63 106300 63 50630 9077742 363 0 263 441 315 0 (USER_HZ = 100)
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '63', mode: 'idle' })).toBe(90777.42);
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '63', mode: 'user' })).toBe(1063);
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '63', mode: 'steal' })).toBe(4.41);
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toBe(90000);
    expect(seconds.every((s) => s.kind === 'counter')).toBe(true);
    // No series for the aggregate "cpu" line
    expect(samples.some((s) => s.labels.cpu === '' || s.labels.cpu === 'cpu')).toBe(false);
  });

  it('reports guest time as node_cpu_guest_seconds_total{mode="user"|"nice"}', async () => {
    const { samples } = await collectFixture(cpuCollector, host('64-cpus'));
    expect(samples.filter((s) => s.name === 'node_cpu_guest_seconds_total')).toHaveLength(64 * 2);
    expect(valueOf(samples, 'node_cpu_guest_seconds_total', { cpu: '63', mode: 'user' })).toBe(3.15);
    expect(valueOf(samples, 'node_cpu_guest_seconds_total', { cpu: '1', mode: 'nice' })).toBe(0.01);
  });

  it("reads this host's /proc/stat", async () => {
    const { samples, malformed } = await collectFixture(cpuCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(namesOf(samples)).toEqual(['node_cpu_guest_seconds_total', 'node_cpu_seconds_total']);
    expect(labelValues(samples, 'node_cpu_seconds_total', 'cpu')).toEqual(['0', '1']);
    // cpu1 10331 0 3364 537710 618 0 178 96 0 0
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '1', mode: 'system' })).toBe(33.64);
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '1', mode: 'iowait' })).toBe(6.18);
  });

  it('skips malformed CPU lines, counts them, and still reports the good CPUs', async () => {
    const { samples, malformed } = await collectFixture(cpuCollector, host('malformed'));
    expect(malformed).toBeGreaterThan(0);
    expect(malformed).toBe(5);
    expect(labelValues(samples, 'node_cpu_seconds_total', 'cpu')).toEqual(['0', '1']);
    expect(valueOf(samples, 'node_cpu_seconds_total', { cpu: '0', mode: 'user' })).toBe(15);
  });

  it('fails as a whole on text without per-CPU lines (garbage in place of /proc/stat), rather than succeeding empty', async () => {
    await expect(collectFixture(cpuCollector, host('garbage'))).rejects.toThrow(/not a \/proc\/stat/);
  });

  it('fails as a whole when /proc/stat is missing', async () => {
    await expect(collectFixture(cpuCollector, host('does-not-exist'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
