// When a node retrains: by default daily at a minute and hour derived from a hash of the node name,
// so a fleet of agents does not fine-tune at the same moment; `detector.retrain.schedule` overrides.
import { createHash } from 'node:crypto';
import cron from 'node-cron';

/** A five-field cron expression "M H * * *" stable for a node name. */
export function defaultSchedule(nodeName: string): string {
  const h = createHash('sha256').update(nodeName).digest();
  const minute = h.readUInt16BE(0) % 60;
  const hour = h.readUInt16BE(2) % 24;
  return `${minute} ${hour} * * *`;
}

/** The schedule to use, or an error string for an invalid expression. */
export function resolveSchedule(configured: string, nodeName: string): { schedule: string } | { error: string } {
  const schedule = configured.trim() === '' ? defaultSchedule(nodeName) : configured.trim();
  return cron.validate(schedule) ? { schedule } : { error: `"${schedule}" is not a valid cron expression` };
}

/** Whether a local time matches; from `plainCron`. */
export type CronMatcher = (local: Date) => boolean;

const FIELD_RANGES: readonly (readonly [number, number])[] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

/**
 * A matcher for a plain five-field expression — numbers, `*`, ranges, steps and lists, e.g. the
 * default "M H * * *" — read with the Date's local fields, as node-cron matches it (day of month AND
 * day of week; 7 is Sunday). Anything else (names, `L`, `W`, `#`, six fields) gives undefined and is
 * left to node-cron. The point: node-cron formats every instant it checks through Intl, which makes
 * ~7 MB of ICU data resident in the agent (docs/footprint.md).
 */
export function plainCron(expression: string): CronMatcher | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const sets: Set<number>[] = [];
  for (const [k, field] of fields.entries()) {
    const [lo, hi] = FIELD_RANGES[k]!;
    const set = new Set<number>();
    for (const item of field.split(',')) {
      const m = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(item);
      if (m === null) return undefined;
      const from = m[1] !== undefined ? lo : Number(m[2]);
      const to = m[1] !== undefined ? hi : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? hi : from;
      const step = m[4] !== undefined ? Number(m[4]) : 1;
      if (from < lo || to > hi || from > to || step < 1) return undefined;
      for (let v = from; v <= to; v += step) set.add(k === 4 && v === 7 ? 0 : v);
    }
    sets.push(set);
  }
  const [minute, hour, day, month, weekday] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return (d) => minute.has(d.getMinutes()) && hour.has(d.getHours()) && day.has(d.getDate()) && month.has(d.getMonth() + 1) && weekday.has(d.getDay());
}
