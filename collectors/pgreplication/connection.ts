// One connection per target, kept across ticks (pg_stat_activity sees one Vigil backend per target).
// A dead target is retried at most once per backoff period; every query carries statement_timeout
// (a startup parameter, so the server enforces it) and a client-side timeout, and a whole attempt
// (connect + query) is cut at the target's timeout, so a dead or hung server cannot hold the tick.
import { readFile } from 'node:fs/promises';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { durationMs } from '../../core/duration.ts';
import { redact, redactError, rememberSecret } from '../../core/redact.ts';
import { Backoff } from '../../core/backoff.ts';
import { type SslMode, parseDsn } from './dsn.ts';
import { DEFAULTS, type PostgresTarget } from './options.ts';
import { sslOption, tlsFailureReason } from './tls.ts';
import { withTimeout } from '../../core/with-timeout.ts';
import { ErrorCode } from '../../core/errors.ts';

/** Reconnect pacing: 0.5 s after the first failure, doubling, at most 30 s between attempts. */
export const BACKOFF_INITIAL_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/** Where and how to connect, with the DSN (if any) merged in. */
export interface ConnectionSpec {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly sslmode: SslMode;
  readonly sslrootcert?: string;
  /** From passwordEnv (resolved by the agent) or the DSN. */
  readonly password?: string;
  /** Read at each connect, so a rotated password is picked up on reconnect. */
  readonly passwordFile?: string;
  readonly timeoutMs: number;
  /**
   * PgBouncer's admin console: no `statement_timeout` startup parameter (PgBouncer refuses unknown
   * ones), and every value handed back as the text PgBouncer sent.
   */
  readonly pgbouncer?: boolean;
}

/** Merges a target's DSN and keys; the config schema has already rejected a DSN that does not parse. */
export function connectionSpec(t: PostgresTarget): ConnectionSpec {
  const dsn = t.dsn !== undefined ? parseDsn(t.dsn) : undefined;
  const d = dsn?.ok === true ? dsn.parts : {};
  const password = t.password ?? d.password;
  const sslrootcert = t.sslrootcert ?? d.sslrootcert;
  return {
    host: t.host ?? d.host ?? DEFAULTS.host,
    port: t.port ?? d.port ?? DEFAULTS.port,
    database: t.database ?? d.database ?? DEFAULTS.database,
    user: t.user ?? d.user ?? DEFAULTS.user,
    sslmode: t.sslmode ?? d.sslmode ?? DEFAULTS.sslmode,
    ...(sslrootcert !== undefined ? { sslrootcert } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(t.passwordFile !== undefined ? { passwordFile: t.passwordFile } : {}),
    timeoutMs: durationMs(t.timeout),
  };
}

/** A failure of one attempt; its message is already redacted. */
export class TargetError extends Error {
  /** True when the attempt was not made (waiting out the backoff). */
  readonly skipped: boolean;
  /** A more precise code than "down" (a PgBouncer configured as PostgreSQL, or the reverse). */
  readonly code: ErrorCode | undefined;
  constructor(message: string, skipped = false, code?: ErrorCode) {
    super(message);
    this.skipped = skipped;
    this.code = code;
  }
}

/**
 * A server of the other kind says so in its first answer: PgBouncer refuses the `statement_timeout`
 * startup parameter PostgreSQL targets send; PostgreSQL has no `pgbouncer` database.
 */
function wrongKind(err: unknown, spec: ConnectionSpec): TargetError | undefined {
  const msg = (err as Error | undefined)?.message ?? '';
  if (spec.pgbouncer !== true && /unsupported startup parameter: statement_timeout/.test(msg)) {
    return new TargetError('this is a PgBouncer, not a PostgreSQL server: configure it under pgbouncer.targets', false, ErrorCode.TARGET_KIND_MISMATCH);
  }
  if (spec.pgbouncer === true && ((err as { code?: unknown }).code === '3D000' || (err as { code?: unknown }).code === '42704')) {
    return new TargetError(
      'this is a PostgreSQL server, not a PgBouncer admin console: configure it under postgres.targets',
      false,
      ErrorCode.TARGET_KIND_MISMATCH,
    );
  }
  return undefined;
}

const NO_SSL = /does not support SSL/i;
/** Every column as the text the server sent (PgBouncer's counters are int8, beyond 2^53 in theory). */
const TEXT_TYPES = { getTypeParser: () => (v: string) => v };

export class TargetConnection {
  /** Everything secret this connection has seen: redacted from every message it lets out. */
  readonly secrets = new Set<string>();
  private readonly spec: ConnectionSpec;
  private readonly now: () => number;
  private readonly backoff = new Backoff(BACKOFF_INITIAL_MS, BACKOFF_MAX_MS);
  private client: pg.Client | undefined;
  private inFlight: Promise<unknown> | undefined;
  /** sslmode=prefer against a server without SSL: plain from then on. */
  private plainOnly = false;
  private closed = false;

  constructor(spec: ConnectionSpec, now: () => number) {
    this.spec = spec;
    this.now = now;
    if (spec.password !== undefined) this.secrets.add(spec.password);
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /**
   * Runs `sql` (simple protocol: several statements in one round trip) and returns one result per
   * statement; a list of commands is sent one query each (PgBouncer's admin console), every value as
   * text. Throws TargetError, never anything else.
   */
  async run(sql: string | readonly string[]): Promise<pg.QueryResult[]> {
    if (this.closed) throw new TargetError('collector stopped', true);
    // The previous attempt outlived its deadline and is still being torn down: do not stack another.
    if (this.inFlight !== undefined) throw new TargetError('previous attempt still running', true);
    if (this.client === undefined && !this.backoff.ready(this.now())) {
      throw new TargetError(`reconnecting after ${this.backoff.consecutiveFailures} failed attempt(s); next in ≤ ${this.backoff.currentDelayMs} ms`, true);
    }
    const attempt = this.attempt(sql);
    const settled = attempt.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight = settled.finally(() => (this.inFlight = undefined));
    try {
      const result = await withTimeout(attempt, this.spec.timeoutMs);
      if (!result.done) {
        this.drop();
        throw new TargetError(`no answer within ${this.spec.timeoutMs} ms`);
      }
      return result.value;
    } catch (err) {
      if (err instanceof TargetError) throw err;
      const kind = wrongKind(err, this.spec);
      if (kind !== undefined) throw kind;
      const tls = tlsFailureReason(err, this.spec);
      throw new TargetError(tls !== undefined ? redact(tls, this.secrets) : redactError(err, this.secrets));
    }
  }

  /** Closes the connection for good (agent stop). */
  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) await c.end().catch(() => undefined);
  }

  private async attempt(sql: string | readonly string[]): Promise<pg.QueryResult[]> {
    let client = this.client;
    if (client === undefined) {
      try {
        client = await this.connect();
      } catch (err) {
        this.backoff.failed(this.now());
        throw err;
      }
      this.backoff.succeeded();
      if (this.closed) {
        await client.end().catch(() => undefined);
        throw new TargetError('collector stopped', true);
      }
      this.client = client;
    }
    try {
      if (typeof sql !== 'string') {
        // PgBouncer's admin console takes one command per query: one after the other on the one
        // connection (pg 9 drops queuing concurrent queries on a client).
        const results: pg.QueryResult[] = [];
        for (const text of sql) results.push((await client.query({ text, types: TEXT_TYPES })) as pg.QueryResult);
        return results;
      }
      const res = (await client.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(res) ? res : [res];
    } catch (err) {
      // An SQL error (it has a SQLSTATE) leaves the session usable; anything else may not have.
      if (typeof (err as { code?: unknown }).code !== 'string' || (err as { code: string }).code === '57P01') this.drop();
      throw err;
    }
  }

  private async connect(): Promise<pg.Client> {
    try {
      return await this.connectOnce(this.plainOnly ? false : await sslOption(this.spec));
    } catch (err) {
      if (this.spec.sslmode === 'prefer' && !this.plainOnly && NO_SSL.test((err as Error).message)) {
        this.plainOnly = true;
        return this.connectOnce(false);
      }
      throw err;
    }
  }

  private async connectOnce(ssl: false | ConnectionOptions): Promise<pg.Client> {
    const s = this.spec;
    const client = new pg.Client({
      host: s.host,
      port: s.port,
      database: s.database,
      user: s.user,
      // A function: asked only when the server wants a password, and it keeps the driver from
      // falling back to PGPASSWORD or ~/.pgpass.
      password: () => this.password(),
      ssl,
      application_name: 'vigil',
      ...(s.pgbouncer === true ? {} : { statement_timeout: s.timeoutMs }),
      query_timeout: s.timeoutMs,
      connectionTimeoutMillis: s.timeoutMs,
      keepAlive: true,
    });
    // Without a listener, a connection dropped while idle would be an uncaught 'error' event.
    client.on('error', () => {
      if (this.client === client) this.client = undefined;
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return client;
  }

  private async password(): Promise<string> {
    if (this.spec.passwordFile !== undefined) {
      let text: string;
      try {
        text = await readFile(this.spec.passwordFile, 'utf8');
      } catch (err) {
        throw new Error(`cannot read passwordFile ${this.spec.passwordFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
      }
      const pw = text.replace(/\r?\n$/, '');
      this.secrets.add(pw);
      rememberSecret(pw);
      return pw;
    }
    if (this.spec.password !== undefined) return this.spec.password;
    throw new Error('the server asks for a password and none is configured (passwordFile, passwordEnv or the dsn)');
  }

  /** Forgets the connection (the next run reconnects); closing happens in the background. */
  private drop(): void {
    const c = this.client;
    this.client = undefined;
    if (c !== undefined) void c.end().catch(() => undefined);
  }
}
