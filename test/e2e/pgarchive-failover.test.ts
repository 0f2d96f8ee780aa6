// WAL archiving and failover awareness against a real primary and streaming replica (Debian's
// postgresql 15), read by the agent as a child process ticking every 500 ms as a pg_monitor role.
// The primary archives with a real archive_command (cp into a directory) that succeeds, then fails
// (a flag file makes it exit 1), then succeeds again; then the replica is promoted with pg_promote()
// while the agent runs. The tests run in order on one pair.
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { MONITOR_USER, type PgPair, startPrimaryReplica } from '../peers/postgres.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';

const PASSWORD = 'Archive-test-pw-3b1e';
let pair: PgPair;
let agent: AgentPeer;
let dir: string;
let archiveDir: string;
let failFlag: string;

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

const P = { target: 'primary' };
const R = { target: 'replica' };

/** A write and a WAL switch: one more segment for the archiver. */
async function switchWal(): Promise<void> {
  await pair.primary.query('INSERT INTO ticks DEFAULT VALUES');
  await pair.primary.query('SELECT pg_switch_wal()');
}
const archiver = async () =>
  (await pair.primary.query<{ archived_count: string; failed_count: string }>('SELECT archived_count::text, failed_count::text FROM pg_stat_archiver'))[0]!;
const readyOnDisk = () => readdirSync(path.join(pair.dir, 'primary', 'pg_wal', 'archive_status')).filter((f) => f.endsWith('.ready')).length;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-pgarchive-e2e-'));
  archiveDir = path.join(dir, 'archive');
  failFlag = path.join(dir, 'archive-fails');
  mkdirSync(archiveDir);
  if (process.getuid?.() === 0) {
    const id = async (flag: string) => Number((await promisify(execFile)('id', [flag, 'postgres'])).stdout.trim());
    const [uid, gid] = [await id('-u'), await id('-g')];
    chownSync(dir, uid, gid);
    chownSync(archiveDir, uid, gid);
  }
  pair = await startPrimaryReplica({
    monitorPassword: PASSWORD,
    extraConf: ['archive_mode = on', `archive_command = 'test ! -e ${failFlag} && cp %p ${archiveDir}/%f'`],
  });
  const target = (name: string, port: number) =>
    `    - { name: ${name}, host: 127.0.0.1, port: ${port}, user: ${MONITOR_USER}, passwordEnv: PG_ARCHIVE_PW, sslmode: disable, expectedReplicas: 1, timeout: 1s }`;
  writeFileSync(
    path.join(dir, 'vigil.yml'),
    [
      'interval: 500ms',
      'collectorTimeout: 3s',
      'logLevel: info',
      'postgres:',
      '  targets:',
      target('primary', pair.primary.port),
      target('replica', pair.replica.port),
      '',
    ].join('\n'),
  );
  agent = await startAgent({ args: ['--config', path.join(dir, 'vigil.yml')], env: { PG_ARCHIVE_PW: PASSWORD } });
}, 90_000);

afterAll(async () => {
  await agent?.stop();
  await pair?.teardown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('WAL archiving and failover awareness on a real pair', () => {
  it('archive_command succeeds: archived count moves, last archive age small, nothing ready, not failing', async () => {
    const before = Number((await archiver()).archived_count);
    await switchWal();
    const e = await until('the archived segment counted', async () => {
      const x = await fresh();
      return (value(x, 'vigil_pg_archive_archived_total', P) ?? 0) > before && value(x, 'vigil_pg_archive_ready_files', P) === 0 ? x : undefined;
    });
    expect(must(e, 'vigil_pg_archiving_enabled', P)).toBe(1);
    expect(must(e, 'vigil_pg_archiving_enabled', R)).toBe(0); // archive_mode=on does not archive on a standby
    expect(must(e, 'vigil_pg_archive_failed_total', P)).toBe(0);
    expect(must(e, 'vigil_pg_archive_failing', P)).toBe(0);
    expect(must(e, 'pg_stat_archiver_last_archive_age', P)).toBeLessThan(10);
    expect(value(e, 'vigil_pg_archive_last_failed_age_seconds', P)).toBeUndefined();
    expect(must(e, 'vigil_pg_archive_archived_total', P)).toBe(Number((await archiver()).archived_count));
    expect(readdirSync(archiveDir).length).toBeGreaterThan(0);
  });

  it('archive_command fails: failed count and failing move, the ready backlog grows, the last archive ages', async () => {
    writeFileSync(failFlag, '');
    const ok = Number((await archiver()).archived_count);
    await switchWal();
    const a = await until('archiving failing', async () => {
      const x = await fresh();
      return must(x, 'vigil_pg_archive_failing', P) === 1 && (value(x, 'vigil_pg_archive_ready_files', P) ?? 0) >= 1 ? x : undefined;
    });
    expect(must(a, 'vigil_pg_archive_failed_total', P)).toBeGreaterThan(0);
    expect(must(a, 'vigil_pg_archive_archived_total', P)).toBe(ok);
    expect(must(a, 'vigil_pg_archive_last_failed_age_seconds', P)).toBeLessThan(10);
    const readyA = must(a, 'vigil_pg_archive_ready_files', P);
    await switchWal();
    await switchWal();
    const b = await until('the backlog grows', async () => {
      const x = await fresh();
      return must(x, 'vigil_pg_archive_ready_files', P) >= readyA + 2 ? x : undefined;
    });
    // The agent's count is the archive_status directory's.
    expect(must(b, 'vigil_pg_archive_ready_files', P)).toBe(readyOnDisk());
    expect(must(b, 'pg_stat_archiver_last_archive_age', P)).toBeGreaterThan(must(a, 'pg_stat_archiver_last_archive_age', P));
    expect(must(b, 'vigil_pg_archive_archived_total', P)).toBe(ok);
  });

  it('archive_command succeeds again: the backlog drains, failing back to 0', async () => {
    const failed = must(await fresh(), 'vigil_pg_archive_failed_total', P);
    const ok = Number((await archiver()).archived_count);
    rmSync(failFlag);
    await switchWal(); // wakes the archiver, which retries the backlog in order
    const e = await until(
      'the backlog archived',
      async () => {
        const x = await fresh();
        return must(x, 'vigil_pg_archive_ready_files', P) === 0 && must(x, 'vigil_pg_archive_failing', P) === 0 ? x : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(must(e, 'vigil_pg_archive_archived_total', P)).toBeGreaterThanOrEqual(ok + 4);
    expect(must(e, 'vigil_pg_archive_failed_total', P)).toBeGreaterThanOrEqual(failed);
    expect(must(e, 'pg_stat_archiver_last_archive_age', P)).toBeLessThan(must(e, 'vigil_pg_archive_last_failed_age_seconds', P) + 1);
  });

  it('pg_promote() on the replica: the agent reports the new role within two ticks; nothing crashes or leaks', async () => {
    await pair.waitCaughtUp();
    const before = await fresh();
    expect(must(before, 'vigil_pg_is_primary', R)).toBe(0);
    expect(must(before, 'vigil_pg_is_primary', P)).toBe(1);
    expect(must(before, 'vigil_pg_role_changes_total', R)).toBe(0);
    expect(must(before, 'vigil_pg_wal_receiver_up', R)).toBe(1);
    expect(value(before, 'vigil_pg_replication_standbys_expected', R)).toBeUndefined();
    const tl = must(before, 'vigil_pg_timeline_id', R);
    expect(tl).toBe(must(before, 'vigil_pg_timeline_id', P));
    const started = must(before, 'pg_postmaster_start_time_seconds', R);
    const ticks0 = must(before, 'vigil_ticks_total', {});
    await pair.replica.query('SELECT pg_promote(true, 30)');
    // Promotion is done when pg_promote returns: the first tick that starts after it must see it.
    const after = await until('the replica reported as primary', async () => {
      const x = await fresh();
      return must(x, 'vigil_pg_is_primary', R) === 1 ? x : undefined;
    });
    expect(must(after, 'vigil_ticks_total', {}) - ticks0).toBeLessThanOrEqual(3); // the tick in flight + two
    expect(must(after, 'vigil_pg_role_changes_total', R)).toBe(1);
    expect(must(after, 'pg_replication_is_replica', R)).toBe(0);
    expect(must(after, 'vigil_pg_timeline_id', R)).toBe(tl + 1);
    expect(must(after, 'pg_postmaster_start_time_seconds', R)).toBe(started); // promoted, not restarted
    // The replica's view is gone; the primary's view is there, with no standby of its own yet.
    expect(value(after, 'vigil_pg_wal_receiver_up', R)).toBeUndefined();
    expect(value(after, 'vigil_pg_replay_timestamp_age_seconds', R)).toBeUndefined();
    expect(must(after, 'pg_replication_lag_seconds', R)).toBe(0);
    expect(must(after, 'vigil_pg_replication_standbys_connected', R)).toBe(0);
    expect(must(after, 'vigil_pg_replication_standbys_expected', R)).toBe(1);
    // Archiving follows the role: archive_mode=on now archives on the promoted node.
    expect(must(after, 'vigil_pg_archiving_enabled', R)).toBe(1);
    // The old primary lost its standby.
    const old = await until('the old primary without standbys', async () => {
      const x = await fresh();
      return must(x, 'vigil_pg_replication_standbys_connected', P) === 0 ? x : undefined;
    });
    expect(must(old, 'vigil_pg_role_changes_total', P)).toBe(0);
    const logs = agent.logs().filter((l) => l.msg === 'PostgreSQL target changed role');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ target: 'replica', from: 'replica', to: 'primary', change: 'promotion', timeline: tl + 1 });
    // Still one Vigil session on each server, and the agent keeps ticking with both targets up.
    for (const s of [pair.primary, pair.replica]) {
      const [row] = await s.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name = 'vigil'");
      expect(Number(row!.n)).toBe(1);
    }
    const later = await fresh();
    expect(must(later, 'pg_up', P)).toBe(1);
    expect(must(later, 'pg_up', R)).toBe(1);
    expect(agent.exit).toBeUndefined();
  });
});
