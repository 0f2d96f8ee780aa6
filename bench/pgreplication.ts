// PostgreSQL and PgBouncer: one collection over two PostgreSQL targets (a primary, archiving WAL, and
// its streaming replica on loopback, real PostgreSQL 15) and one PgBouncer target (real PgBouncer 1.18
// in front of the primary), both collectors in parallel as a tick runs them, timed in-process through
// the collectors' factories; and the connections Vigil holds (pg_stat_activity, PgBouncer's SHOW
// CLIENTS), which must not move over the run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Context } from '../core/component.ts';
import type { Sample } from '../core/samples.ts';
import { pgreplicationCollector } from '../collectors/pgreplication/pgreplication.ts';
import { pgbouncerCollector } from '../collectors/pgbouncer/pgbouncer.ts';
import { MONITOR_USER, type PgServer, startPrimaryReplica } from '../test/peers/postgres.ts';
import { type PgBouncerPeer, startPgBouncer } from '../test/peers/pgbouncer.ts';
import { ms, num, table, verdict } from './markdown.ts';
import { percentile } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';

const PLAN = { warmupTicks: 20, ticks: 1000, connectionCheckEvery: 100 } as const;
const GOAL_P99_MS = 20;

async function vigilConnections(server: PgServer): Promise<number> {
  const [row] = await server.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'vigil'");
  return Number(row?.n ?? NaN);
}

const STATS_USER = 'vigil_stats';
const CONSOLE_USER = 'bench_console';

/** Vigil's admin-console sessions on PgBouncer (the bench's own console session is another user). */
async function bouncerConnections(bouncer: PgBouncerPeer, password: string): Promise<number> {
  const rows = await bouncer.show('SHOW CLIENTS', CONSOLE_USER, password);
  return rows.filter((r) => r.user === STATS_USER && r.database === 'pgbouncer').length;
}

async function measurePgReplication(ctx: BenchContext): Promise<string> {
  ctx.log('pgreplication: starting a primary (archiving WAL), a streaming replica and a PgBouncer');
  const pair = await startPrimaryReplica({ extraConf: ['archive_mode = on', "archive_command = 'true'"] });
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-pg-'));
  const abort = new AbortController();
  let bouncer: PgBouncerPeer | undefined;
  try {
    bouncer = await startPgBouncer({
      upstreamPort: pair.primary.port,
      users: { [STATS_USER]: pair.monitorPassword, [CONSOLE_USER]: pair.monitorPassword },
      statsUsers: [STATS_USER, CONSOLE_USER],
    });
    const passwordFile = path.join(dir, 'pgpass');
    writeFileSync(passwordFile, pair.monitorPassword, { mode: 0o600 });
    await pair.primary.query('INSERT INTO ticks DEFAULT VALUES');
    await pair.waitCaughtUp();
    const target = (name: string, port: number) => ({ name, host: '127.0.0.1', port, user: MONITOR_USER, passwordFile, sslmode: 'disable', timeout: '2s' });
    const options = pgreplicationCollector.options.parse({
      targets: [{ ...target('primary', pair.primary.port), expectedReplicas: 1 }, target('replica', pair.replica.port)],
    });
    const context: Context = {
      logger: pino({ level: 'silent' }),
      now: Date.now,
      paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
      signal: abort.signal,
    };
    const pgCollector = await pgreplicationCollector.create(options, context);
    const bouncerOptions = pgbouncerCollector.options.parse({
      targets: [{ name: 'pgbouncer', host: '127.0.0.1', port: bouncer.port, user: STATS_USER, passwordFile, sslmode: 'disable', timeout: '2s' }],
    });
    const bouncerCollector = await pgbouncerCollector.create(bouncerOptions, context);
    // As a tick does it: the collectors in parallel, each filling its own buffer.
    const pgOut: Sample[] = [];
    const bOut: Sample[] = [];
    const collector = {
      collect: async (out: Sample[]) => {
        pgOut.length = 0;
        bOut.length = 0;
        await Promise.all([pgCollector.collect(pgOut), bouncerCollector.collect(bOut)]);
        out.push(...pgOut, ...bOut);
      },
    };
    const out: Sample[] = [];
    for (let i = 0; i < PLAN.warmupTicks; i++) {
      out.length = 0;
      await collector.collect(out);
    }
    const up = out.filter((s) => s.name === 'pg_up' && s.value === 1).length;
    if (up !== 2) throw new Error(`expected both targets up after warm-up, pg_up=1 for ${up}`);
    if (!out.some((s) => s.name === 'pgbouncer_up' && s.value === 1)) throw new Error('expected pgbouncer_up 1 after warm-up');
    const series = out.length;
    ctx.log(`pgreplication: ${PLAN.ticks} collections`);
    const durations: number[] = [];
    const conns: { primary: number[]; replica: number[]; bouncer: number[] } = { primary: [], replica: [], bouncer: [] };
    for (let i = 0; i < PLAN.ticks; i++) {
      if (i % PLAN.connectionCheckEvery === 0) {
        conns.primary.push(await vigilConnections(pair.primary));
        conns.replica.push(await vigilConnections(pair.replica));
        conns.bouncer.push(await bouncerConnections(bouncer, pair.monitorPassword));
      }
      out.length = 0;
      const t0 = performance.now();
      await collector.collect(out);
      durations.push(performance.now() - t0);
    }
    conns.primary.push(await vigilConnections(pair.primary));
    conns.replica.push(await vigilConnections(pair.replica));
    conns.bouncer.push(await bouncerConnections(bouncer, pair.monitorPassword));
    const p50 = percentile(durations, 50);
    const p99 = percentile(durations, 99);
    const max = Math.max(...durations);
    const range = (xs: number[]) => (Math.min(...xs) === Math.max(...xs) ? num(xs[0]!) : `${num(Math.min(...xs))}–${num(Math.max(...xs))}`);
    const constant = [conns.primary, conns.replica, conns.bouncer].every((xs) => xs.every((x) => x === 1));
    return [
      `One collection = everything PostgreSQL and PgBouncer of a tick: role, replica view, primary view, WAL archiving and role/timeline of both PostgreSQL targets (one round trip each), and the six SHOW commands of the PgBouncer target (one after the other on its one connection), all in parallel as a tick runs the two collectors; ${PLAN.ticks} collections back to back after ${PLAN.warmupTicks} warm-up ones, in-process through the collectors' factories. PostgreSQL 15 primary (archive_mode on) + streaming replica and PgBouncer 1.18 (in front of the primary) on 127.0.0.1; monitoring role with pg_monitor only, PgBouncer stats user; scram-sha-256 passwords from a file.`,
      '',
      table(
        ['measure', 'value', 'goal', 'met'],
        [
          ['collection p50', ms(p50), '', ''],
          ['collection p99', ms(p99), `< ${GOAL_P99_MS} ms`, verdict(p99 < GOAL_P99_MS)],
          ['collection max', ms(max), '', ''],
          ['series per collection', String(series), '', ''],
          [
            `Vigil connections on the primary (pg_stat_activity, every ${PLAN.connectionCheckEvery} collections)`,
            range(conns.primary),
            '1, constant',
            verdict(conns.primary.every((x) => x === 1)),
          ],
          ['Vigil connections on the replica', range(conns.replica), '1, constant', verdict(conns.replica.every((x) => x === 1))],
          ['Vigil admin-console connections on PgBouncer (SHOW CLIENTS)', range(conns.bouncer), '1, constant', verdict(conns.bouncer.every((x) => x === 1))],
        ],
      ),
      '',
      constant ? 'Connections stayed at one per target for the whole run.' : '**Connections moved during the run.**',
      `Machine load at the end of the run: ${num(loadavg()[0]!)} (1-minute load average, ${availableParallelism()} CPUs); the servers, the client and anything else running share them, which shows in p99 and max.`,
    ].join('\n');
  } finally {
    abort.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bouncer?.stop();
    await pair.teardown();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const pgReplicationSection: BenchSection = {
  title: 'PostgreSQL and PgBouncer collectors',
  run: measurePgReplication,
};
