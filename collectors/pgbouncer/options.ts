// The `pgbouncer:` config section: a list of PgBouncer admin consoles, in the shape of
// `postgres.targets[]` (name, host, port, user, passwordFile/passwordEnv, sslmode, sslrootcert,
// timeout). The database is always `pgbouncer` (the admin console); the user needs `stats_users`
// (read-only SHOW commands) or `admin_users` in pgbouncer.ini.
import { z } from 'zod';
import { duration } from '../../core/duration.ts';
import { SSL_MODES } from '../pgreplication/dsn.ts';
import { targetList } from '../target-list.ts';

const PGBOUNCER_DEFAULTS = { host: 'localhost', port: 6432, user: 'pgbouncer', sslmode: 'prefer' as const };

const target = z
  .strictObject({
    name: z.string().min(1),
    host: z.string().min(1).default(PGBOUNCER_DEFAULTS.host),
    port: z.number().int().min(1).max(65535).default(PGBOUNCER_DEFAULTS.port),
    user: z.string().min(1).default(PGBOUNCER_DEFAULTS.user),
    passwordFile: z.string().min(1).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' })
      .optional(),
    sslmode: z.enum(SSL_MODES).default(PGBOUNCER_DEFAULTS.sslmode),
    sslrootcert: z.string().min(1).optional(),
    timeout: duration({ min: 10 }).default('2s'),
  })
  .superRefine((t, ctx) => {
    if (t.passwordFile !== undefined && t.passwordEnv !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'give passwordFile or passwordEnv, not both' });
    }
  });

export const pgbouncerOptions = targetList(target);

type PgBouncerTargetConfig = z.infer<typeof target>;
/** A target as the collector receives it: the config plus the password the agent resolved from `passwordEnv`. */
export type PgBouncerTarget = PgBouncerTargetConfig & { readonly password?: string };

export interface PgBouncerOptions {
  readonly targets: readonly PgBouncerTarget[];
}
