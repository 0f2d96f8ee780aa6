// What every collector configured by a list of targets (PostgreSQL, PgBouncer) shares: the
// `targets` array with unique names, and the checks the schema cannot make (a password variable that
// is not set, a target slower than the whole collector).
import { z } from 'zod';
import type { CheckContext } from '../core/component.ts';
import { durationMs } from '../core/duration.ts';
import { ErrorCode, type UserError } from '../core/errors.ts';

/** `{ targets: [...] }` with every target's `name` unique (reported at the second use). */
export function targetList<T extends z.ZodType<{ name: string }>>(target: T) {
  return z
    .strictObject({
      targets: z.array(target).default([]),
    })
    .superRefine((o, ctx) => {
      const seen = new Map<string, number>();
      o.targets.forEach((t, i) => {
        const first = seen.get(t.name);
        if (first !== undefined)
          ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `target name "${t.name}" is already used by targets[${first}]` });
        else seen.set(t.name, i);
      });
    });
}

/** The factory `check` of a target-list collector. */
export function checkTargets(
  opts: { readonly targets: readonly { readonly passwordEnv?: string; readonly timeout: string }[] },
  ctx: CheckContext,
): UserError[] {
  const errors: UserError[] = [];
  opts.targets.forEach((t, i) => {
    const at = `targets[${i}]`;
    if (t.passwordEnv !== undefined && ctx.env[t.passwordEnv] === undefined) {
      errors.push({ code: ErrorCode.CONFIG_INVALID, where: `${at}.passwordEnv`, message: `environment variable ${t.passwordEnv} is not set` });
    }
    // A target slower than the whole collector would take every target's series down with it.
    if (durationMs(t.timeout) >= durationMs(ctx.collectorTimeout)) {
      errors.push({
        code: ErrorCode.CONFIG_INVALID,
        where: `${at}.timeout`,
        message: `"${t.timeout}" must be shorter than collectorTimeout (${ctx.collectorTimeout})`,
      });
    }
  });
  return errors;
}
