// node_time_seconds, the time zone offset and the kernel's clock sources.
import { z } from 'zod';
import { type CollectorFactory } from '../collector.ts';
import { gauge, NO_LABELS } from '../../core/samples.ts';
import { sysPath } from '../host-path.ts';
import { readOptional } from '../read.ts';
import { localZone, type Zone } from './zoneinfo.ts';

/**
 * The zone's abbreviation ("UTC", "CET", "EDT") and its offset east of UTC in seconds, at `ms`. The
 * name comes from the system's zone database (zoneinfo.ts), as node_exporter's does, not from ICU;
 * without a `zone` the process's zone is looked up anew, which follows a TZ changed since.
 */
export function timeZone(ms: number, zone: Zone = localZone(process.env)): { name: string; offsetSeconds: number } {
  return { name: zone.nameAt(ms), offsetSeconds: -new Date(ms).getTimezoneOffset() * 60 };
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
    // Read once, not per tick. The zone is the one the process has when the collector is made:
    // TZ, which V8 reads too for the offset (nothing in the agent changes it later, and node_exporter
    // likewise reads the local zone once at start); daylight saving time is still followed, because
    // each tick's instant is looked up.
    const zone = localZone(process.env);
    return {
      async collect(out) {
        const now = ctx.now();
        out.push(gauge('node_time_seconds', NO_LABELS, now / 1000));
        const tz = timeZone(now, zone);
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
