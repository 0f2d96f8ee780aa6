// PgBouncer pools against a real PgBouncer (Debian's pgbouncer 1.18) in front of the real test
// primary, under a real load: pgbench through the pooler with more clients than the pool has server
// connections, so clients wait. The agent (a child process, ticking every 500 ms) reads the admin
// console as a stats user; its values are checked against the admin console's own answers.
// Bad input in the same agent: a user the console refuses, a console that hangs, a PostgreSQL server
// configured as a PgBouncer and a PgBouncer configured as a PostgreSQL server.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { PG_BIN, type PgPair, startPrimaryReplica } from '../peers/postgres.ts';
import { type PgBouncerPeer, startPgBouncer } from '../peers/pgbouncer.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';

const STATS_USER = 'vigil_stats';
const STATS_PW = 'Stats-pw-81d2';
const CONSOLE_USER = 'console'; // the test's own admin-console sessions, apart from the agent's
const CONSOLE_PW = 'Console-pw-19c4';
const APP_PW = 'App-pw-55e0'; // pgbench, as postgres (trust on the server side)
const POOL_SIZE = 2;
const CLIENTS = 8;

let pair: PgPair;
let bouncer: PgBouncerPeer;
let agent: AgentPeer;
let dir: string;
let hang: Server;
const hung: Socket[] = [];

type Want = Readonly<Record<string, string>>;
function value(e: Exposition, name: string, want: Want): number | undefined {
  const hits = (e.families.get(name)?.samples ?? []).filter((s) => Object.entries(want).every(([k, v]) => s.labels[k] === v));
  if (hits.length > 1) throw new Error(`${name}${JSON.stringify(want)}: ${hits.length} samples`);
  return hits[0]?.value;
}
function must(e: Exposition, name: string, want: Want): number {
  const v = value(e, name, want);
  if (v === undefined) throw new Error(`${name}${JSON.stringify(want)} is missing`);
  return v;
}
const scrape = async (): Promise<Exposition> => parsePromText(await agent.scrape());
async function fresh(): Promise<Exposition> {
  const first = must(await scrape(), 'vigil_ticks_total', {});
  return until('a new tick', async () => {
    const e = await scrape();
    return must(e, 'vigil_ticks_total', {}) > first ? e : undefined;
  });
}
const consoleShow = (cmd: string) => bouncer.show(cmd, CONSOLE_USER, CONSOLE_PW);

/** pgbench through the pooler; resolves when it exits. */
function pgbench(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      path.join(PG_BIN, 'pgbench'),
      ['-h', '127.0.0.1', '-p', String(bouncer.port), '-U', 'postgres', ...args, 'postgres'],
      { env: { ...process.env, PGPASSWORD: APP_PW }, timeout: 120_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`pgbench ${args.join(' ')}: ${err.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

const G = { target: 'bouncer' };
const POOL = { target: 'bouncer', database: 'postgres', user: 'postgres' };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-pgbouncer-e2e-'));
  pair = await startPrimaryReplica();
  bouncer = await startPgBouncer({
    upstreamPort: pair.primary.port,
    users: { [STATS_USER]: STATS_PW, [CONSOLE_USER]: CONSOLE_PW, postgres: APP_PW, refused: 'Refused-pw-1' },
    statsUsers: [STATS_USER, CONSOLE_USER],
    poolSize: POOL_SIZE,
    maxClientConn: 40,
  });
  // Accepts TCP and never answers: a hung admin console.
  hang = createServer((s) => hung.push(s));
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  const hangPort = (hang.address() as { port: number }).port;
  writeFileSync(path.join(dir, 'stats-pw'), `${STATS_PW}\n`, { mode: 0o600 });
  const yaml = [
    'interval: 500ms',
    'collectorTimeout: 3s',
    'logLevel: info',
    'pgbouncer:',
    '  targets:',
    `    - { name: bouncer, host: 127.0.0.1, port: ${bouncer.port}, user: ${STATS_USER}, passwordFile: ${path.join(dir, 'stats-pw')}, sslmode: disable, timeout: 1s }`,
    `    - { name: refused, host: 127.0.0.1, port: ${bouncer.port}, user: refused, passwordEnv: PGB_REFUSED_PW, sslmode: disable, timeout: 1s }`,
    `    - { name: hung, host: 127.0.0.1, port: ${hangPort}, user: ${STATS_USER}, sslmode: disable, timeout: 500ms }`,
    `    - { name: not-a-bouncer, host: 127.0.0.1, port: ${pair.primary.port}, user: postgres, sslmode: disable, timeout: 1s }`,
    'postgres:',
    '  targets:',
    `    - { name: not-a-postgres, host: 127.0.0.1, port: ${bouncer.port}, user: postgres, passwordEnv: PGB_APP_PW, sslmode: disable, timeout: 1s }`,
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'vigil.yml'), yaml);
  await pgbench(['-i', '-s', '1', '-q']);
  agent = await startAgent({ args: ['--config', path.join(dir, 'vigil.yml')], env: { PGB_REFUSED_PW: 'Refused-pw-1', PGB_APP_PW: APP_PW } });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  for (const s of hung) s.destroy();
  await new Promise<void>((r) => (hang ? hang.close(() => r()) : r()));
  await bouncer?.stop();
  await pair?.teardown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('pgbouncer collector against a real PgBouncer under pgbench load', () => {
  it('clients wait for the small pool under load; the agent and the admin console both see it', async () => {
    // Each transaction holds its server connection for 50 ms: 8 clients on a pool of 2 must queue.
    writeFileSync(path.join(dir, 'slow.sql'), 'SELECT pg_sleep(0.05);\n');
    const load = pgbench(['-n', '-c', String(CLIENTS), '-j', '2', '-T', '6', '-f', path.join(dir, 'slow.sql')]);
    try {
      const seen = await until(
        'the agent reports waiting clients and a maxwait',
        async () => {
          const e = await scrape();
          const waiting = value(e, 'pgbouncer_pools_client_waiting_connections', POOL) ?? 0;
          return waiting > 0 ? e : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 100 },
      );
      expect(must(seen, 'pgbouncer_up', G)).toBe(1);
      // Every server connection of the pool is busy while clients queue.
      expect(must(seen, 'pgbouncer_pools_server_active_connections', POOL)).toBeLessThanOrEqual(POOL_SIZE);
      const waiting = must(seen, 'pgbouncer_pools_client_waiting_connections', POOL);
      const active = must(seen, 'pgbouncer_pools_client_active_connections', POOL);
      expect(waiting).toBeLessThanOrEqual(CLIENTS);
      expect(waiting + active).toBeLessThanOrEqual(CLIENTS);
      // The admin console sees the same queue (its own answer, during the same load).
      const rows = await until('the console reports waiting clients', async () => {
        const r = (await consoleShow('SHOW POOLS')).find((p) => p.database === 'postgres' && p.user === 'postgres');
        return r !== undefined && Number(r.cl_waiting) > 0 ? r : undefined;
      });
      expect(Number(rows.sv_active) + Number(rows.sv_idle) + Number(rows.sv_used)).toBeLessThanOrEqual(POOL_SIZE);
      const maxwait = await until('a maxwait above 0', async () => {
        const v = value(await scrape(), 'pgbouncer_pools_client_maxwait_seconds', POOL) ?? 0;
        return v > 0 ? v : undefined;
      });
      expect(maxwait).toBeLessThan(5);
    } finally {
      await load;
    }
  });

  it('after the load, counters and settings equal the admin console (SHOW STATS, DATABASES, CONFIG, LISTS)', async () => {
    // Totals are refreshed every stats_period (1 s): wait until the console's numbers are stable and
    // a tick taken after that carries exactly them.
    const { e, stats } = await until(
      'the agent has the final totals',
      async () => {
        const before = (await consoleShow('SHOW STATS')).find((r) => r.database === 'postgres')!;
        const e = await fresh();
        const after = (await consoleShow('SHOW STATS')).find((r) => r.database === 'postgres')!;
        if (JSON.stringify(before) !== JSON.stringify(after)) return undefined;
        return value(e, 'pgbouncer_stats_sql_transactions_pooled_total', { target: 'bouncer', database: 'postgres' }) === Number(after.total_xact_count)
          ? { e, stats: after }
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    const D = { target: 'bouncer', database: 'postgres' };
    expect(Number(stats.total_xact_count)).toBeGreaterThan(CLIENTS); // the load went through the pooler
    expect(must(e, 'pgbouncer_stats_queries_pooled_total', D)).toBe(Number(stats.total_query_count));
    expect(must(e, 'pgbouncer_stats_received_bytes_total', D)).toBe(Number(stats.total_received));
    expect(must(e, 'pgbouncer_stats_sent_bytes_total', D)).toBe(Number(stats.total_sent));
    expect(must(e, 'pgbouncer_stats_queries_duration_seconds_total', D)).toBeCloseTo(Number(stats.total_query_time) / 1e6, 6);
    expect(must(e, 'pgbouncer_stats_client_wait_seconds_total', D)).toBeCloseTo(Number(stats.total_wait_time) / 1e6, 6);
    expect(must(e, 'pgbouncer_stats_client_wait_seconds_total', D)).toBeGreaterThan(0); // clients did wait
    expect(must(e, 'pgbouncer_stats_server_in_transaction_seconds_total', D)).toBeCloseTo(Number(stats.total_xact_time) / 1e6, 6);
    // 50 ms per pg_sleep transaction: the pooled query time is at least that much per transaction.
    expect(must(e, 'pgbouncer_stats_queries_duration_seconds_total', D)).toBeGreaterThan(0.04 * (Number(stats.total_xact_count) - CLIENTS * 2));
    const db = (await consoleShow('SHOW DATABASES')).find((r) => r.name === 'postgres')!;
    const DB = { target: 'bouncer', name: 'postgres', database: 'postgres', host: '127.0.0.1', port: String(pair.primary.port) };
    expect(must(e, 'pgbouncer_databases_pool_size', DB)).toBe(Number(db.pool_size));
    expect(must(e, 'pgbouncer_databases_pool_size', DB)).toBe(POOL_SIZE);
    expect(must(e, 'pgbouncer_databases_max_connections', DB)).toBe(Number(db.max_connections));
    expect(must(e, 'pgbouncer_databases_current_connections', DB)).toBe(Number(db.current_connections));
    expect(must(e, 'pgbouncer_databases_paused', DB)).toBe(0);
    const cfg = await consoleShow('SHOW CONFIG');
    expect(must(e, 'pgbouncer_config_max_client_connections', G)).toBe(Number(cfg.find((r) => r.key === 'max_client_conn')!.value));
    expect(must(e, 'pgbouncer_config_max_client_connections', G)).toBe(40);
    expect(must(e, 'pgbouncer_version_info', { target: 'bouncer', version: '1.18.0' })).toBe(1);
    const lists = await consoleShow('SHOW LISTS');
    expect(must(e, 'vigil_pgbouncer_list_items', { target: 'bouncer', list: 'databases' })).toBe(Number(lists.find((r) => r.list === 'databases')!.items));
    // Idle now: nobody waits.
    const idle = await until('no waiting clients', async () => {
      const x = await fresh();
      return value(x, 'pgbouncer_pools_client_waiting_connections', POOL) === 0 ? x : undefined;
    });
    expect(must(idle, 'pgbouncer_pools_client_maxwait_seconds', POOL)).toBe(0);
  });

  it('one admin-console connection per target, kept across ticks', async () => {
    await fresh();
    const mine = async () =>
      (await consoleShow('SHOW CLIENTS')).filter((c) => c.user === STATS_USER && c.database === 'pgbouncer').map((c) => `${c.addr}:${c.port}`);
    const a = await mine();
    await fresh();
    await fresh();
    const b = await mine();
    expect(a).toHaveLength(1);
    expect(b).toEqual(a);
  });

  it('bad input: refused user, hung console, the wrong kind of server; coded errors, the rest of the tick unharmed', async () => {
    const e = await fresh();
    expect(must(e, 'pgbouncer_up', G)).toBe(1);
    for (const t of ['refused', 'hung', 'not-a-bouncer']) expect(must(e, 'pgbouncer_up', { target: t }), t).toBe(0);
    expect(must(e, 'vigil_pgbouncer_scrape_errors_total', { target: 'refused' })).toBeGreaterThan(0);
    expect(must(e, 'pg_up', { target: 'not-a-postgres' })).toBe(0);
    // The hung one costs its own timeout, not the tick: the good target's duration stays small.
    expect(must(e, 'vigil_pgbouncer_scrape_duration_seconds', G)).toBeLessThan(0.5);
    const down = (t: string) => agent.logs().find((l) => (l.msg === 'PgBouncer target down' || l.msg === 'PostgreSQL target down') && l.target === t);
    await until('a down log line for every bad target', () => ['refused', 'hung', 'not-a-bouncer', 'not-a-postgres'].every((t) => down(t) !== undefined));
    expect(down('refused')!.code).toBe('VIGIL_ERR_PGBOUNCER_TARGET_DOWN');
    expect(String(down('refused')!.err)).toMatch(/not allowed/);
    expect(down('hung')!.code).toBe('VIGIL_ERR_PGBOUNCER_TARGET_DOWN');
    expect(String(down('hung')!.err)).toMatch(/no answer within 500 ms/);
    expect(down('not-a-bouncer')!.code).toBe('VIGIL_ERR_TARGET_KIND_MISMATCH');
    expect(String(down('not-a-bouncer')!.err)).toMatch(/PostgreSQL server, not a PgBouncer/);
    expect(down('not-a-postgres')!.code).toBe('VIGIL_ERR_TARGET_KIND_MISMATCH');
    expect(String(down('not-a-postgres')!.err)).toMatch(/this is a PgBouncer.*pgbouncer\.targets/);
    // One line per target, not one per tick.
    for (const t of ['refused', 'hung', 'not-a-bouncer'])
      expect(agent.logs().filter((l) => l.msg === 'PgBouncer target down' && l.target === t)).toHaveLength(1);
    // No password in any log line.
    const text = JSON.stringify(agent.logs());
    for (const pw of [STATS_PW, APP_PW, 'Refused-pw-1']) expect(text).not.toContain(pw);
  });
});
