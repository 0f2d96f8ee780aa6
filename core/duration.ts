// Prometheus' duration format ("10s", "1m30s", "500ms", "2h"), the format users already write.
import { z } from 'zod';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, y: 365 * 86400e3 };
const DURATION = /^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$/;

/** Milliseconds, or undefined when the text is not a Prometheus duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const m = DURATION.exec(text);
  if (m === null) return undefined;
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let ms = 0;
  for (let i = 0; i < units.length; i++) {
    const n = m[2 + i * 2];
    if (n !== undefined) ms += Number(n) * UNIT_MS[units[i]!]!;
  }
  return ms;
}

/** A config value holding a duration; kept as text so the effective config prints as written. */
export const duration = (opts: { min?: number } = {}) =>
  z.string().superRefine((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `"${s}" is not a duration (use e.g. "10s", "1m30s", "500ms")` });
    else if (opts.min !== undefined && ms < opts.min) ctx.addIssue({ code: 'custom', message: `"${s}" is shorter than the minimum of ${opts.min} ms` });
  });

/** For values already validated by `duration()`. */
export function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`programmer error: unvalidated duration "${text}"`);
  return ms;
}
