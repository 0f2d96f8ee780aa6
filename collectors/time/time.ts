// node_time_seconds, the time zone offset and the kernel's clock sources.
import { z } from 'zod';
import { type CollectorFactory, gauge, NO_LABELS } from '../collector.ts';
import { sysPath } from '../host-path.ts';
import { readOptional } from '../read.ts';

/** The zone's short name ("UTC", "CET") and its offset east of UTC in seconds, at `ms`. */
export function timeZone(ms: number): { name: string; offsetSeconds: number } {
  const d = new Date(ms);
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return { name: part?.value ?? 'UTC', offsetSeconds: -d.getTimezoneOffset() * 60 };
}

export const timeCollector = {
  name: 'time',
  defaultEnabled: true,
  options: z.strictObject({}),
  metrics: [
    { name: 'node_time_seconds', help: 'System time in seconds since epoch (1970).', kind: 'gauge', labels: [] },
    { name: 'node_time_zone_offset_seconds', help: 'System time zone offset in seconds.', kind: 'gauge', labels: ['time_zone'] },
    { name: 'node_time_clocksource_available_info', help: "Available clocksources read from '/sys/devices/system/clocksource'.", kind: 'gauge', labels: ['clocksource', 'device'] },
    { name: 'node_time_clocksource_current_info', help: "Current clocksource read from '/sys/devices/system/clocksource'.", kind: 'gauge', labels: ['clocksource', 'device'] },
  ],
  create(_options, ctx) {
    const dir = sysPath(ctx.paths, 'devices', 'system', 'clocksource', 'clocksource0');
    return {
      async collect(out) {
        const now = ctx.now();
        out.push(gauge('node_time_seconds', NO_LABELS, now / 1000));
        const tz = timeZone(now);
        out.push(gauge('node_time_zone_offset_seconds', { time_zone: tz.name }, tz.offsetSeconds));
        const [available, current] = await Promise.all([
          readOptional(`${dir}/available_clocksource`),
          readOptional(`${dir}/current_clocksource`),
        ]);
        for (const cs of available?.trim().split(/\s+/).filter(Boolean) ?? []) {
          out.push(gauge('node_time_clocksource_available_info', { clocksource: cs, device: '0' }, 1));
        }
        if (current?.trim()) out.push(gauge('node_time_clocksource_current_info', { clocksource: current.trim(), device: '0' }, 1));
        return 0;
      },
    };
  },
} satisfies CollectorFactory<Record<string, never>>;
