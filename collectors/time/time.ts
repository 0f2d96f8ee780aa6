// node_time_seconds, the time zone offset and the kernel's clock sources.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { gauge, NO_LABELS } from '../../core/samples.ts';
import { sysPath } from '../host-path.ts';
import { readOptional } from '../read.ts';

/** Formats the zone's short name; it takes the process's time zone (TZ) as it is when made. */
const zoneNameFormat = (): Intl.DateTimeFormat => new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });

/**
 * The zone's short name ("UTC", "CET") and its offset east of UTC in seconds, at `ms`. Without a
 * `format` a new one is made, which follows a TZ changed since; making one costs ~0.4 ms of ICU work.
 */
export function timeZone(ms: number, format: Intl.DateTimeFormat = zoneNameFormat()): { name: string; offsetSeconds: number } {
  const d = new Date(ms);
  const part = format.formatToParts(d).find((p) => p.type === 'timeZoneName');
  return { name: part?.value ?? 'UTC', offsetSeconds: -d.getTimezoneOffset() * 60 };
}

export const timeCollector = {
  name: 'time',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    { name: 'node_time_seconds', help: 'System time in seconds since epoch (1970).', kind: 'gauge', labels: [] },
    { name: 'node_time_zone_offset_seconds', help: 'System time zone offset in seconds.', kind: 'gauge', labels: ['time_zone'] },
    {
      name: 'node_time_clocksource_available_info',
      help: "Available clocksources read from '/sys/devices/system/clocksource'.",
      kind: 'gauge',
      labels: ['clocksource', 'device'],
    },
    {
      name: 'node_time_clocksource_current_info',
      help: "Current clocksource read from '/sys/devices/system/clocksource'.",
      kind: 'gauge',
      labels: ['clocksource', 'device'],
    },
  ],
  create(_options, ctx) {
    const dir = sysPath(ctx.paths, 'devices', 'system', 'clocksource', 'clocksource0');
    // Made once, not per tick: it was ~0.4 ms of a ~5 ms tick (bench/). The zone is the one the
    // process has when the collector is made (nothing in the agent changes TZ later, and node_exporter
    // likewise reads the local zone once at start); daylight saving time is still followed, because
    // each tick's instant is formatted.
    const format = zoneNameFormat();
    return {
      async collect(out) {
        const now = ctx.now();
        out.push(gauge('node_time_seconds', NO_LABELS, now / 1000));
        const tz = timeZone(now, format);
        out.push(gauge('node_time_zone_offset_seconds', { time_zone: tz.name }, tz.offsetSeconds));
        const [available, current] = await Promise.all([readOptional(`${dir}/available_clocksource`), readOptional(`${dir}/current_clocksource`)]);
        for (const cs of available?.trim().split(/\s+/).filter(Boolean) ?? []) {
          out.push(gauge('node_time_clocksource_available_info', { clocksource: cs, device: '0' }, 1));
        }
        if (current?.trim()) out.push(gauge('node_time_clocksource_current_info', { clocksource: current.trim(), device: '0' }, 1));
        return 0;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
