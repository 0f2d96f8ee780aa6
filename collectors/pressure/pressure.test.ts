import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, namesOf, valueOf } from '../testing.ts';
import { pressureCollector } from './pressure.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

describe('pressure collector', () => {
  it('reports this host\'s PSI totals in seconds, without a cpu "full" series', async () => {
    const { samples, malformed } = await collectFixture(pressureCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(namesOf(samples)).toEqual([
      'node_pressure_cpu_waiting_seconds_total',
      'node_pressure_io_stalled_seconds_total',
      'node_pressure_io_waiting_seconds_total',
      'node_pressure_memory_stalled_seconds_total',
      'node_pressure_memory_waiting_seconds_total',
    ]);
    expect(valueOf(samples, 'node_pressure_cpu_waiting_seconds_total')).toBe(38.12108);
    expect(valueOf(samples, 'node_pressure_io_waiting_seconds_total')).toBe(6.440348);
    expect(valueOf(samples, 'node_pressure_io_stalled_seconds_total')).toBe(5.683956);
    expect(valueOf(samples, 'node_pressure_memory_stalled_seconds_total')).toBe(0);
    expect(samples.every((s) => s.kind === 'counter')).toBe(true);
  });

  it('emits nothing and does not throw on a kernel without PSI', async () => {
    const { samples, malformed } = await collectFixture(pressureCollector, host('no-psi'));
    expect(samples).toEqual([]);
    expect(malformed).toBe(0);
  });

  it('counts a file without totals as malformed and still reports the other resources', async () => {
    const { samples, malformed } = await collectFixture(pressureCollector, host('malformed'));
    expect(malformed).toBe(1);
    expect(namesOf(samples)).toEqual([
      'node_pressure_cpu_waiting_seconds_total',
      'node_pressure_io_stalled_seconds_total',
      'node_pressure_io_waiting_seconds_total',
    ]);
    expect(valueOf(samples, 'node_pressure_cpu_waiting_seconds_total')).toBe(2.5);
  });
});
