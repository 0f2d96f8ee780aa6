// A real PgBouncer for tests (Debian's pgbouncer 1.18) in front of a test PostgreSQL, on a free
// loopback port, TCP only (`unix_socket_dir =` empty). PgBouncer refuses to run as root, so when we are
// root it is exec'd as the postgres user through setpriv (the pid we hold is PgBouncer's own, and it is
// stopped by that pid). Users come from a userlist file with plain passwords (scram-sha-256 to clients).
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { type Peer, spawnPeer, tail, until, withFreePort } from './child.ts';

const run = promisify(execFile);

const PGBOUNCER_BIN = process.env.VIGIL_TEST_PGBOUNCER_BIN ?? '/usr/sbin/pgbouncer';

export interface PgBouncerOptions {
  /** The PostgreSQL server the `postgres` database points at. */
  readonly upstreamPort: number;
  /** user → password; every user can log in to the pooled `postgres` database. */
  readonly users: Readonly<Record<string, string>>;
  /** Users allowed the read-only SHOW commands of the admin console. */
  readonly statsUsers: readonly string[];
  readonly poolSize?: number;
  readonly maxClientConn?: number;
  readonly poolMode?: 'session' | 'transaction';
}

export interface PgBouncerPeer {
  readonly port: number;
  readonly dir: string;
  readonly process: Peer;
  /** One admin-console command as `user` (a fresh connection); rows as PgBouncer sends them (text). */
  show(command: string, user: string, password: string): Promise<Record<string, string | null>[]>;
  stop(): Promise<void>;
}

async function postgresIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

export async function startPgBouncer(opts: PgBouncerOptions): Promise<PgBouncerPeer> {
  const ids = await postgresIds();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-pgbouncer-'));
  if (ids !== undefined) await chown(dir, ids.uid, ids.gid);
  const userlist = path.join(dir, 'userlist.txt');
  await writeFile(
    userlist,
    Object.entries(opts.users)
      .map(([u, p]) => `"${u}" "${p}"\n`)
      .join(''),
  );
  try {
    return await withFreePort(async (port) => {
      const ini = path.join(dir, 'pgbouncer.ini');
      await writeFile(
        ini,
        [
          '[databases]',
          `postgres = host=127.0.0.1 port=${opts.upstreamPort} dbname=postgres`,
          '[pgbouncer]',
          'listen_addr = 127.0.0.1',
          `listen_port = ${port}`,
          'unix_socket_dir =',
          'auth_type = scram-sha-256',
          `auth_file = ${userlist}`,
          `stats_users = ${opts.statsUsers.join(', ')}`,
          `pool_mode = ${opts.poolMode ?? 'transaction'}`,
          `default_pool_size = ${opts.poolSize ?? 2}`,
          `max_client_conn = ${opts.maxClientConn ?? 100}`,
          'ignore_startup_parameters = extra_float_digits',
          'logfile =',
          `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
          // Stats averages every second instead of every minute (SHOW STATS totals are live anyway).
          'stats_period = 1',
          '',
        ].join('\n'),
      );
      for (const f of [ini, userlist]) if (ids !== undefined) await chown(f, ids.uid, ids.gid);
      const [cmd, args] =
        ids === undefined
          ? [PGBOUNCER_BIN, [ini]]
          : ['setpriv', ['--reuid', String(ids.uid), '--regid', String(ids.gid), '--clear-groups', PGBOUNCER_BIN, ini]];
      const proc = await spawnPeer('pgbouncer', cmd, args);
      const show = async (command: string, user: string, password: string) => {
        const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'pgbouncer' });
        await c.connect();
        try {
          // The admin console speaks the simple protocol only, and sends every value as text.
          return (await c.query({ text: command, types: { getTypeParser: () => (v: string) => v } })).rows as Record<string, string | null>[];
        } finally {
          await c.end().catch(() => undefined);
        }
      };
      const [user, password] = Object.entries(opts.users).find(([u]) => opts.statsUsers.includes(u)) ?? [];
      try {
        await until(
          'pgbouncer accepts admin-console connections',
          async () => {
            if (proc.exit !== undefined) throw new Error(`pgbouncer exited ${JSON.stringify(proc.exit)}:\n${tail(proc.stderr())}`);
            return user !== undefined
              ? show('SHOW VERSION', user, password!).then(
                  () => true,
                  () => false,
                )
              : true;
          },
          { timeoutMs: 15_000 },
        );
      } catch (err) {
        await proc.stop('SIGKILL');
        throw err;
      }
      return {
        port,
        dir,
        process: proc,
        show,
        stop: async () => {
          await proc.stop('SIGINT', 5_000);
          await rm(dir, { recursive: true, force: true });
        },
      };
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
