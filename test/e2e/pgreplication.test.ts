// PostgreSQL replication against a real primary and streaming replica (Debian's postgresql 15), read
// by the agent as a child process (its /metrics and its JSON logs), side by side with Debian's
// prometheus-postgres-exporter 0.11. Vigil connects as a non-superuser with only pg_monitor, with a
// password (scram-sha-256) from passwordFile, passwordEnv and a DSN.
//
// The tests run in order on one pair: steady state, paused replay, resume, replica stopped, a target
// unreachable at start, primary stopped. Waits are polls with deadlines; the agent ticks every 500 ms.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, runCli, startAgent } from '../peers/agent.ts';
import { freePort, until } from '../peers/child.ts';
import { MONITOR_USER, type PgPair, startPrimaryReplica } from '../peers/postgres.ts';
import { type PostgresExporterPeer, startPostgresExporter } from '../peers/postgres-exporter.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';

const PASSWORD = 'Vigil-test-pw-7f3a9c';
const PASSWORD_ENV = 'VIGIL_TEST_REPLICA_PASSWORD_X'; // VIGIL_* is stripped by agentEnv unless given explicitly
const TICK = '500ms';

let pair: PgPair;
let dir: string;
let agent: AgentPeer;
const exporters: { primary?: PostgresExporterPeer; replica?: PostgresExporterPeer } = {};
const others: AgentPeer[] = [];

// ---------- reading /metrics ----------

type Want = Readonly<Record<string, string>>;

/** The value of the one sample of `name` whose labels include `want`; undefined when there is none. */
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

const scrape = async (peer: { scrape(): Promise<string> }): Promise<Exposition> => parsePromText(await peer.scrape());

/** Polls `probe` until it returns something other than undefined. */

/** The agent's exposition once a tick newer than `sinceMs` is in it (vigil_ticks_total moved). */
async function fresh(peer: AgentPeer): Promise<{ e: Exposition; at: number }> {
  const first = must(await scrape(peer), 'vigil_ticks_total', {});
  return until('a new tick', async () => {
    const e = await scrape(peer);
    return must(e, 'vigil_ticks_total', {}) > first ? { e, at: Date.now() / 1000 } : undefined;
  });
}

const P = { target: 'primary' };
const R = { target: 'replica' };
const STANDBY = { target: 'primary', application_name: 'walreceiver', client_addr: '127.0.0.1', state: 'streaming', slot_name: 'replica1' };
const SLOT = { target: 'primary', slot_name: 'replica1', slot_type: 'physical' };

function config(targets: string): string {
  return [`interval: ${TICK}`, 'collectorTimeout: 3s', 'logLevel: info', 'postgres:', '  targets:', targets].join('\n') + '\n';
}

const primaryTarget = () => `    - name: primary
      host: 127.0.0.1
      port: ${pair.primary.port}
      user: ${MONITOR_USER}
      passwordFile: ${path.join(dir, 'pgpass')}
      expectedReplicas: 1
      timeout: 1s`;
const replicaTarget = (auth: string) => `    - name: replica
      host: 127.0.0.1
      port: ${pair.replica.port}
      user: ${MONITOR_USER}
      ${auth}
      sslmode: disable
      timeout: 1s`;

const exporterDsn = (port: number) => `postgresql://${MONITOR_USER}:${PASSWORD}@127.0.0.1:${port}/postgres?sslmode=disable`;

async function write(rows = 1): Promise<void> {
  await pair.primary.query(`INSERT INTO ticks SELECT FROM generate_series(1, ${rows})`);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-pgrepl-e2e-'));
  writeFileSync(path.join(dir, 'pgpass'), `${PASSWORD}\n`, { mode: 0o600 });
  pair = await startPrimaryReplica({ monitorPassword: PASSWORD });
  const nowhere = await freePort();
  const yaml = config(
    [
      primaryTarget(),
      replicaTarget(`passwordEnv: ${PASSWORD_ENV}`),
      // The same primary through a DSN that holds the password.
      `    - name: primary-dsn\n      dsn: "postgresql://${MONITOR_USER}:${PASSWORD}@127.0.0.1:${pair.primary.port}/postgres?sslmode=disable"\n      timeout: 1s`,
      // Nothing listens here: a target that stays down, with a password in its DSN.
      `    - name: nowhere\n      dsn: "postgresql://${MONITOR_USER}:${PASSWORD}@127.0.0.1:${nowhere}/postgres"\n      timeout: 500ms`,
    ].join('\n'),
  );
  writeFileSync(path.join(dir, 'vigil.yml'), yaml);
  [agent, exporters.primary, exporters.replica] = await Promise.all([
    startAgent({ args: ['--config', path.join(dir, 'vigil.yml')], env: { [PASSWORD_ENV]: PASSWORD } }),
    startPostgresExporter(exporterDsn(pair.primary.port)),
    startPostgresExporter(exporterDsn(pair.replica.port)),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all([agent?.stop(), exporters.primary?.stop(), exporters.replica?.stop(), ...others.map((o) => o.stop())]);
  await pair?.teardown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('pgreplication on a real primary and streaming replica', () => {
  it('steady state: lag about 0 on both views, one connection per target', async () => {
    await write();
    await pair.waitCaughtUp();
    const { e } = await until('both views caught up', async () => {
      const f = await fresh(agent);
      return value(f.e, 'vigil_pg_replication_replay_lag_bytes', STANDBY) === 0 && value(f.e, 'vigil_pg_receive_replay_lag_bytes', R) === 0 ? f : undefined;
    });
    for (const t of ['primary', 'replica', 'primary-dsn']) expect(must(e, 'pg_up', { target: t }), t).toBe(1);
    expect(must(e, 'pg_up', { target: 'nowhere' })).toBe(0);
    // Replica view.
    expect(must(e, 'pg_replication_is_replica', R)).toBe(1);
    expect(must(e, 'pg_replication_lag_seconds', R)).toBe(0);
    expect(must(e, 'vigil_pg_wal_receiver_up', R)).toBe(1);
    expect(must(e, 'vigil_pg_wal_receiver_last_message_age_seconds', R)).toBeLessThan(15);
    // Primary view.
    expect(must(e, 'pg_replication_is_replica', P)).toBe(0);
    expect(must(e, 'pg_replication_lag_seconds', P)).toBe(0);
    expect(must(e, 'vigil_pg_replication_standbys_connected', P)).toBe(1);
    expect(must(e, 'vigil_pg_replication_standbys_expected', P)).toBe(1);
    expect(value(e, 'vigil_pg_replication_standbys_connected', R)).toBeUndefined(); // no primary view on a standby
    expect(must(e, 'vigil_pg_replication_replay_lag_seconds', STANDBY)).toBeLessThan(1);
    for (const k of ['sent', 'write', 'flush', 'replay']) expect(must(e, `vigil_pg_replication_${k}_lag_bytes`, STANDBY), k).toBe(0);
    expect(must(e, 'pg_stat_replication_pg_wal_lsn_diff', STANDBY)).toBe(0);
    expect(must(e, 'vigil_pg_replication_slot_active', SLOT)).toBe(1);
    expect(must(e, 'vigil_pg_replication_slot_wal_status', { ...SLOT, wal_status: 'reserved' })).toBe(1);
    expect(value(e, 'vigil_pg_replication_slot_retained_wal_bytes', SLOT)).toBeGreaterThanOrEqual(0);
    // The same series through the DSN-configured target.
    expect(must(e, 'vigil_pg_replication_standbys_connected', { target: 'primary-dsn' })).toBe(1);
    // One pooled connection per target, across ticks: primary and primary-dsn on the primary.
    const [conns] = await pair.primary.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'vigil'");
    expect(Number(conns!.n)).toBe(2);
    const [role] = await pair.primary.query<{ usesuper: boolean }>(`SELECT usesuper FROM pg_user WHERE usename = '${MONITOR_USER}'`);
    expect(role!.usesuper).toBe(false);
  });

  it('parity with postgres_exporter 0.11: pg_stat_replication_pg_wal_lsn_diff and the replay age', async () => {
    const [exP, exR, { e }] = await Promise.all([scrape(exporters.primary!), scrape(exporters.replica!), fresh(agent)]);
    // 0.11 puts the walsender's pid in its slot_name label (a bug of that release); the other labels match.
    const [ws] = await pair.primary.query<{ pid: number }>('SELECT pid FROM pg_stat_replication');
    const exLabels = { application_name: 'walreceiver', client_addr: '127.0.0.1', state: 'streaming', slot_name: String(ws!.pid) };
    expect(must(exP, 'pg_stat_replication_pg_wal_lsn_diff', exLabels)).toBe(must(e, 'pg_stat_replication_pg_wal_lsn_diff', STANDBY));
    // 0.11's example query has no idle rule: its pg_replication_lag is the replay timestamp age.
    expect(Math.abs(must(exR, 'pg_replication_lag', {}) - must(e, 'vigil_pg_replay_timestamp_age_seconds', R))).toBeLessThanOrEqual(1);
    expect(must(exP, 'pg_replication_lag', {})).toBe(must(e, 'pg_replication_lag_seconds', P));
  });

  it('replay paused while the primary writes: lags grow with time; resumed: back to about 0', async () => {
    await write();
    await pair.waitCaughtUp();
    await pair.replica.query('SELECT pg_wal_replay_pause()');
    await until('replay paused', async () =>
      (await pair.replica.query<{ s: string }>('SELECT pg_get_wal_replay_pause_state() AS s'))[0]?.s === 'paused' ? true : undefined,
    );
    const [{ t0 }] = (await pair.replica.query<{ t0: number }>('SELECT extract(epoch FROM pg_last_xact_replay_timestamp())::float8 AS t0')) as [{ t0: number }];
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await write(50);
        await sleep(100);
      }
    })();
    try {
      await sleep(1500);
      const a = await fresh(agent);
      await sleep(2000);
      const b = await fresh(agent);
      // Replica: the compatible lag is now - the last replayed commit, and grows with elapsed time.
      for (const { e, at } of [a, b]) expect(Math.abs(must(e, 'pg_replication_lag_seconds', R) - (at - t0))).toBeLessThanOrEqual(1);
      const grew = must(b.e, 'pg_replication_lag_seconds', R) - must(a.e, 'pg_replication_lag_seconds', R);
      expect(Math.abs(grew - (b.at - a.at))).toBeLessThanOrEqual(1);
      expect(must(b.e, 'vigil_pg_replay_timestamp_age_seconds', R)).toBeGreaterThan(must(a.e, 'vigil_pg_replay_timestamp_age_seconds', R));
      // Byte lags grow on both views.
      expect(must(a.e, 'vigil_pg_receive_replay_lag_bytes', R)).toBeGreaterThan(0);
      expect(must(b.e, 'vigil_pg_receive_replay_lag_bytes', R)).toBeGreaterThan(must(a.e, 'vigil_pg_receive_replay_lag_bytes', R));
      expect(must(b.e, 'vigil_pg_replication_replay_lag_bytes', STANDBY)).toBeGreaterThan(must(a.e, 'vigil_pg_replication_replay_lag_bytes', STANDBY));
      // Primary: replay lag time grows while write/flush keep up.
      expect(must(b.e, 'vigil_pg_replication_replay_lag_seconds', STANDBY)).toBeGreaterThan(1);
      expect(must(b.e, 'vigil_pg_replication_replay_lag_seconds', STANDBY)).toBeGreaterThan(must(a.e, 'vigil_pg_replication_replay_lag_seconds', STANDBY));
      expect(must(b.e, 'vigil_pg_replication_flush_lag_seconds', STANDBY)).toBeLessThan(1);
      // Parity while lagging: same lag as 0.11 (no idle case now), same byte diff once writes stop.
      const [exR] = await Promise.all([scrape(exporters.replica!)]);
      const c = await fresh(agent);
      expect(Math.abs(must(exR, 'pg_replication_lag', {}) - must(c.e, 'pg_replication_lag_seconds', R))).toBeLessThanOrEqual(1);
      writing = false;
      await writer;
      const [ws] = await pair.primary.query<{ pid: number }>('SELECT pid FROM pg_stat_replication');
      const exLabels = { application_name: 'walreceiver', client_addr: '127.0.0.1', state: 'streaming', slot_name: String(ws!.pid) };
      await until('equal pg_stat_replication_pg_wal_lsn_diff', async () => {
        const [ex, v] = await Promise.all([scrape(exporters.primary!), fresh(agent)]);
        const x = must(ex, 'pg_stat_replication_pg_wal_lsn_diff', exLabels);
        return x > 0 && x === must(v.e, 'pg_stat_replication_pg_wal_lsn_diff', STANDBY) ? true : undefined;
      });
    } finally {
      writing = false;
      await writer;
      await pair.replica.query('SELECT pg_wal_replay_resume()');
    }
    await pair.waitCaughtUp();
    await until('lags back to about 0', async () => {
      const { e } = await fresh(agent);
      return must(e, 'pg_replication_lag_seconds', R) === 0 &&
        must(e, 'vigil_pg_receive_replay_lag_bytes', R) === 0 &&
        must(e, 'vigil_pg_replication_replay_lag_bytes', STANDBY) === 0
        ? true
        : undefined;
    });
  });

  it('replica stopped: the primary sees the standby gone and the slot inactive, retaining WAL', async () => {
    const errorsBefore = must(await scrape(agent), 'vigil_pg_scrape_errors_total', R);
    await pair.replica.stop('immediate');
    const a = await until('standby gone', async () => {
      const { e } = await fresh(agent);
      return must(e, 'vigil_pg_replication_standbys_connected', P) === 0 && must(e, 'vigil_pg_replication_slot_active', SLOT) === 0 ? e : undefined;
    });
    expect(must(a, 'vigil_pg_replication_standbys_expected', P)).toBe(1);
    expect(value(a, 'vigil_pg_replication_replay_lag_bytes', STANDBY)).toBeUndefined();
    const retained = must(a, 'vigil_pg_replication_slot_retained_wal_bytes', SLOT);
    await write(2000);
    const b = (await fresh(agent)).e;
    expect(must(b, 'vigil_pg_replication_slot_retained_wal_bytes', SLOT)).toBeGreaterThan(retained);
    expect(must(b, 'pg_up', R)).toBe(0);
    expect(must(b, 'vigil_pg_scrape_errors_total', R)).toBeGreaterThan(errorsBefore);
  });

  it('a target unreachable at start comes up (pg_up 0 → 1) without restarting the agent', async () => {
    const yaml = config(replicaTarget(`passwordFile: ${path.join(dir, 'pgpass')}`));
    writeFileSync(path.join(dir, 'late.yml'), yaml);
    const late = await startAgent({ args: ['--config', path.join(dir, 'late.yml')] });
    others.push(late);
    expect(must((await fresh(late)).e, 'pg_up', R)).toBe(0);
    await sleep(1000); // a few failed attempts: the backoff is in play
    await pair.replica.start();
    await until('pg_up 1 on the late agent', async () => (must((await fresh(late)).e, 'pg_up', R) === 1 ? true : undefined), { timeoutMs: 25_000 });
    await until('pg_up 1 on the first agent', async () => (must((await fresh(agent)).e, 'pg_up', R) === 1 ? true : undefined), { timeoutMs: 25_000 });
    // Logged once per state change, not once per tick.
    const events = late.logs().filter((l) => l.target === 'replica');
    expect(events.filter((l) => l.msg === 'PostgreSQL target down')).toHaveLength(1);
    expect(events.filter((l) => l.msg === 'PostgreSQL target up again')).toHaveLength(1);
    expect(events.find((l) => l.msg === 'PostgreSQL target down')!.code).toBe('VIGIL_ERR_PG_TARGET_DOWN');
    await late.stop();
  });

  it('primary stopped: the WAL receiver is down and its message age grows, while pg_replication_lag_seconds reads 0', async () => {
    await write();
    await pair.waitCaughtUp();
    await until('receiver streaming', async () => (must((await fresh(agent)).e, 'vigil_pg_wal_receiver_up', R) === 1 ? true : undefined));
    await pair.primary.stop('immediate');
    const a = await until('receiver down', async () => {
      const f = await fresh(agent);
      return must(f.e, 'vigil_pg_wal_receiver_up', R) === 0 ? f : undefined;
    });
    await sleep(2000);
    const b = await fresh(agent);
    const ageA = must(a.e, 'vigil_pg_wal_receiver_last_message_age_seconds', R);
    const ageB = must(b.e, 'vigil_pg_wal_receiver_last_message_age_seconds', R);
    expect(Math.abs(ageB - ageA - (b.at - a.at))).toBeLessThanOrEqual(1);
    expect(ageB).toBeGreaterThan(ageA);
    // What postgres_exporter's lag alone would say: nothing is wrong.
    expect(must(a.e, 'pg_replication_lag_seconds', R)).toBe(0);
    expect(must(b.e, 'pg_replication_lag_seconds', R)).toBe(0);
    expect(must(b.e, 'pg_up', R)).toBe(1);
    expect(must(b.e, 'pg_up', P)).toBe(0);
  });

  it('the password never appears in logs, labels or error text', async () => {
    const downs = agent.logs().filter((l) => l.msg === 'PostgreSQL target down');
    // The target that never came up logged once, with its error text.
    expect(downs.filter((l) => l.target === 'nowhere')).toHaveLength(1);
    expect(downs.every((l) => typeof l.err === 'string' && l.err.length > 0)).toBe(true);
    const text = [agent.stdout(), agent.stderr(), await agent.scrape(), ...others.flatMap((o) => [o.stdout(), o.stderr()])].join('\n');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    // The effective config, as check-config prints it, has the DSN's password redacted.
    const check = await runCli(['check-config', path.join(dir, 'vigil.yml')], { [PASSWORD_ENV]: PASSWORD });
    expect(check.code).toBe(0);
    expect(check.stdout).toContain(`${MONITOR_USER}:[redacted]@127.0.0.1`);
    expect(check.stdout + check.stderr).not.toContain(PASSWORD);
  });
});
