// Real PostgreSQL for tests: a primary and a physical streaming replica with a slot (Debian's
// postgresql 15), on free loopback ports, with their sockets and data in temp dirs owned by the
// postgres user (initdb refuses root). Servers are stopped with pg_ctl by data directory, never by name.
import { execFile } from 'node:child_process';
import { appendFile, chmod, chown, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './child.ts';

const run = promisify(execFile);

export const PG_BIN = process.env.VIGIL_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** The monitoring role the tests give to Vigil and postgres_exporter: not a superuser, only pg_monitor. */
export const MONITOR_USER = 'vigil_monitor';

interface Owner {
  readonly uid: number;
  readonly gid: number;
}

async function postgresOwner(): Promise<Owner | undefined> {
  if (process.getuid?.() !== 0) return undefined; // not root: run everything as ourselves
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  return { uid, gid };
}

/** Runs a PostgreSQL binary as the postgres user when we are root. */
async function pgExec(owner: Owner | undefined, bin: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const file = path.join(PG_BIN, bin);
  const [cmd, argv] = owner === undefined ? [file, [...args]] : ['runuser', ['-u', 'postgres', '--', file, ...args]];
  try {
    return (await run(cmd, argv, { timeout: timeoutMs, env: { ...process.env, LC_ALL: 'C' } })).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string; stdout?: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}`, { cause: err });
  }
}

export class PgServer {
  private running = false;
  readonly name: string;
  readonly dataDir: string;
  readonly port: number;
  private readonly owner: Owner | undefined;
  /** The server only accepts TLS on TCP: our own sessions must use it too. */
  private readonly tlsOnly: boolean;

  constructor(name: string, dataDir: string, port: number, owner: Owner | undefined, tlsOnly = false) {
    this.name = name;
    this.dataDir = dataDir;
    this.port = port;
    this.owner = owner;
    this.tlsOnly = tlsOnly;
  }

  get isRunning(): boolean {
    return this.running;
  }

  async start(): Promise<void> {
    await pgExec(this.owner, 'pg_ctl', ['-D', this.dataDir, '-l', `${this.dataDir}.log`, '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /** `immediate` is a crash as far as the replica is concerned: no goodbye on the wire. */
  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await pgExec(this.owner, 'pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']).catch(() => undefined);
  }

  /** A one-off superuser session (trust on loopback for `postgres`); encrypted, unverified, when the server demands TLS. */
  async query<R extends Record<string, unknown> = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<R[]> {
    const ssl = this.tlsOnly ? { rejectUnauthorized: false } : false;
    const client = new pg.Client({ host: '127.0.0.1', port: this.port, user: 'postgres', database: 'postgres', password: '', ssl });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }
}

export interface PgPair {
  readonly dir: string;
  readonly primary: PgServer;
  readonly replica: PgServer;
  /** The pg_monitor role's password (scram-sha-256 on loopback for every role but postgres). */
  readonly monitorPassword: string;
  /** Waits until the replica has replayed everything the primary has written so far. */
  waitCaughtUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes the temp dir. Safe to call twice. */
  teardown(): Promise<void>;
}

const HBA = [
  'local all all trust',
  'host replication all 127.0.0.1/32 trust',
  'host all postgres 127.0.0.1/32 trust',
  'host all all 127.0.0.1/32 scram-sha-256',
  '',
].join('\n');

/** TLS on both servers (ssl=on; the replica inherits the primary's settings through pg_basebackup). */
interface PgSsl {
  /** PEM server certificate and key; copied next to the data dirs (the key owned by postgres, mode 0600). */
  readonly certFile: string;
  readonly keyFile: string;
  /** pg_hba.conf has only `hostssl` lines: plain TCP connections are refused. */
  readonly required?: boolean;
}

export interface PrimaryReplicaOptions {
  readonly monitorPassword?: string;
  readonly ssl?: PgSsl;
  /** Addresses the servers listen on (default 127.0.0.1); every one must be a loopback address. */
  readonly listenAddresses?: readonly string[];
  /** More postgresql.conf lines for the primary (the replica inherits them through pg_basebackup). */
  readonly extraConf?: readonly string[];
}

/** pg_hba.conf: the default, or the same rules over every loopback address, `hostssl` when TLS is required. */
function hbaFor(opts: PrimaryReplicaOptions): string {
  if (opts.ssl === undefined && opts.listenAddresses === undefined) return HBA;
  const host = opts.ssl?.required === true ? 'hostssl' : 'host';
  return [
    'local all all trust',
    `${host} replication all 127.0.0.0/8 trust`,
    `${host} all postgres 127.0.0.0/8 trust`,
    `${host} all all 127.0.0.0/8 scram-sha-256`,
    '',
  ].join('\n');
}

/** Copies the certificate and key into `dir` as the server user wants them; returns the postgresql.conf lines. */
async function installSsl(ssl: PgSsl, dir: string, owner: Owner | undefined): Promise<string[]> {
  const cert = path.join(dir, 'server.crt');
  const key = path.join(dir, 'server.key');
  await copyFile(ssl.certFile, cert);
  await copyFile(ssl.keyFile, key);
  await chmod(key, 0o600);
  if (owner !== undefined) for (const f of [cert, key]) await chown(f, owner.uid, owner.gid);
  return ['ssl = on', `ssl_cert_file = '${cert}'`, `ssl_key_file = '${key}'`];
}

/** initdb a primary, create the monitoring role and a test table, pg_basebackup a replica with slot replica1. */
export async function startPrimaryReplica(opts: PrimaryReplicaOptions = {}): Promise<PgPair> {
  const owner = await postgresOwner();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-pg-'));
  if (owner !== undefined) await chown(dir, owner.uid, owner.gid);
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const monitorPassword = opts.monitorPassword ?? `pw-${Math.random().toString(36).slice(2)}-secret`;
  const tlsOnly = opts.ssl?.required === true;
  const primary = new PgServer('primary', primaryDir, primaryPort, owner, tlsOnly);
  const replica = new PgServer('replica', replicaDir, replicaPort, owner, tlsOnly);
  let tornDown = false;
  const teardown = async () => {
    if (tornDown) return;
    tornDown = true;
    await replica.stop();
    await primary.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await pgExec(owner, 'initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const sslConf = opts.ssl !== undefined ? await installSsl(opts.ssl, dir, owner) : [];
    await appendFile(
      path.join(primaryDir, 'postgresql.conf'),
      [
        '',
        `listen_addresses = '${(opts.listenAddresses ?? ['127.0.0.1']).join(',')}'`,
        ...sslConf,
        `port = ${primaryPort}`,
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 10',
        'max_replication_slots = 10',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        // Standby replies every second, so the primary's lag columns move at test speed.
        'wal_receiver_status_interval = 1s',
        'wal_retrieve_retry_interval = 1s',
        "log_min_messages = 'warning'",
        ...(opts.extraConf ?? []),
        '',
      ].join('\n'),
    );
    await writeFile(path.join(primaryDir, 'pg_hba.conf'), hbaFor(opts));
    if (owner !== undefined) await chown(path.join(primaryDir, 'pg_hba.conf'), owner.uid, owner.gid);
    await primary.start();
    await primary.query(`CREATE ROLE ${MONITOR_USER} LOGIN PASSWORD '${monitorPassword.replace(/'/g, "''")}' IN ROLE pg_monitor`);
    await primary.query('CREATE TABLE ticks (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    await pgExec(owner, 'pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      'postgres',
      '-D',
      replicaDir,
      '-R',
      '-X',
      'stream',
      '-C',
      '-S',
      'replica1',
    ]);
    // postgresql.auto.conf (written by -R) is read last: the replica's own port goes there.
    await appendFile(path.join(replicaDir, 'postgresql.auto.conf'), `port = ${replicaPort}\n`);
    await replica.start();
  } catch (err) {
    await teardown();
    throw err;
  }
  const waitCaughtUp = async (timeoutMs = 15_000) => {
    const [{ lsn }] = (await primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')) as [{ lsn: string }];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [row] = await replica.query<{ done: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn]);
      if (row?.done === true) return;
      if (Date.now() > deadline) throw new Error(`replica did not replay up to ${lsn} within ${timeoutMs} ms`);
      await sleep(50);
    }
  };
  return { dir, primary, replica, monitorPassword, waitCaughtUp, teardown };
}
