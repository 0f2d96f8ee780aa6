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
