import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectFixture, FIXED_NOW, fixtureContext, sampleOf, valueOf } from '../testing.ts';
import { timeCollector, timeZone } from './time.ts';

const host = (name: string) => fixtureContext(fileURLToPath(new URL(`./testdata/${name}`, import.meta.url)));

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('time collector', () => {
  it('reports the context clock, not the wall clock, as node_time_seconds', async () => {
    const { samples, malformed } = await collectFixture(timeCollector, host('this-host'));
    expect(malformed).toBe(0);
    expect(valueOf(samples, 'node_time_seconds')).toBe(FIXED_NOW / 1000);
  });

  it("reports this host's clock sources", async () => {
    const { samples } = await collectFixture(timeCollector, host('this-host'));
    expect(samples.filter((s) => s.name === 'node_time_clocksource_available_info').map((s) => s.labels)).toEqual([
      { clocksource: 'tsc', device: '0' },
      { clocksource: 'kvm-clock', device: '0' },
    ]);
    expect(valueOf(samples, 'node_time_clocksource_current_info', { clocksource: 'tsc', device: '0' })).toBe(1);
  });

  it('reports no clock sources, and does not fail, when sysfs has none', async () => {
    const { samples } = await collectFixture(timeCollector, host('no-sysfs'));
    expect(samples.map((s) => s.name).sort()).toEqual(['node_time_seconds', 'node_time_zone_offset_seconds']);
  });

  it('reports the zone name and offset east of UTC', async () => {
    vi.stubEnv('TZ', 'UTC');
    const { samples } = await collectFixture(timeCollector, host('no-sysfs'));
    // getTimezoneOffset() gives -0 east of UTC; Prometheus prints it as 0.
    expect(sampleOf(samples, 'node_time_zone_offset_seconds', { time_zone: 'UTC' }).value + 0).toBe(0);
    vi.stubEnv('TZ', 'Asia/Kolkata');
    const india = await collectFixture(timeCollector, host('no-sysfs'));
    // The zone database's abbreviation, as node_exporter reports it (ICU would say "GMT+5:30").
    expect(sampleOf(india.samples, 'node_time_zone_offset_seconds', { time_zone: 'IST' }).value).toBe(19800);
  });

  it('follows daylight saving time', () => {
    vi.stubEnv('TZ', 'America/New_York');
    expect(timeZone(Date.UTC(2025, 0, 15))).toEqual({ name: 'EST', offsetSeconds: -5 * 3600 });
    expect(timeZone(Date.UTC(2025, 6, 15))).toEqual({ name: 'EDT', offsetSeconds: -4 * 3600 });
  });
});
