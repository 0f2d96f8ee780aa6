// The `postgres:` config section: a list of targets. Either host/port/database/user (+ sslmode and
// sslrootcert) or a `dsn`; the password from `passwordFile` (read at each connect) or `passwordEnv`
// (an environment variable the agent resolves; components never read the environment) or the DSN.
import { z } from 'zod';
import { duration } from '../../core/duration.ts';
import { type SslMode, SSL_MODES, parseDsn } from './dsn.ts';
import { targetList } from '../target-list.ts';

export const DEFAULTS = { host: 'localhost', port: 5432, database: 'postgres', user: 'postgres', sslmode: 'prefer' as SslMode };
/** Keys a DSN already says; giving both is ambiguous, so it is an error. */
const DSN_EXCLUSIVE = ['host', 'port', 'database', 'user', 'sslmode', 'sslrootcert'] as const;

const target = z
  .strictObject({
    name: z.string().min(1),
    dsn: z.string().optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    database: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    passwordEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected an environment variable name' })
      .optional(),
    sslmode: z.enum(SSL_MODES).optional(),
    sslrootcert: z.string().min(1).optional(),
    expectedReplicas: z.number().int().min(0).optional(),
    timeout: duration({ min: 10 }).default('2s'),
    /** Recovery point objective: the longest time without an archived WAL segment (alert PostgresWALArchiveOlderThanRPO). */
    rpo: duration({ min: 1000 }).default('15m'),
  })
  .superRefine((t, ctx) => {
    if (t.passwordFile !== undefined && t.passwordEnv !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['passwordEnv'], message: 'give passwordFile or passwordEnv, not both' });
    }
    if (t.dsn === undefined) return;
    const parsed = parseDsn(t.dsn);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['dsn'], message: `not a PostgreSQL connection string: ${parsed.reason}` });
    for (const k of DSN_EXCLUSIVE) {
      if (t[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `give either dsn or ${k}, not both (put it in the dsn)` });
    }
  })
  // Without a DSN the connection keys get their defaults, so the effective config shows them.
  .transform((t) =>
    t.dsn !== undefined
      ? t
      : {
          ...t,
          host: t.host ?? DEFAULTS.host,
          port: t.port ?? DEFAULTS.port,
          database: t.database ?? DEFAULTS.database,
          user: t.user ?? DEFAULTS.user,
          sslmode: t.sslmode ?? DEFAULTS.sslmode,
        },
  );

export const postgresOptions = targetList(target);

type PostgresTargetConfig = z.infer<typeof target>;

/** A target as the collector receives it: the config plus the password the agent resolved from `passwordEnv`. */
export type PostgresTarget = PostgresTargetConfig & { readonly password?: string };

export interface PostgresOptions {
  readonly targets: readonly PostgresTarget[];
}
