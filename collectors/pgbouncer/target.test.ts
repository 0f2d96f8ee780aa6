// One PgBouncer target across ticks, with its connection replaced by a scripted one: another
// version's answers (missing columns → the series it can, one coded log line per new set), the
// settings read only on (re)connect and every CONFIG_EVERY ticks, a failure (pgbouncer_up 0, counted,
// logged once with its code). Real PgBouncer is exercised in test/e2e/pgbouncer.test.ts.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/samples.ts';
import { ErrorCode } from '../../core/errors.ts';
import { TargetError } from '../pgreplication/connection.ts';
import { pgbouncerOptions } from './options.ts';
import { CONFIG_EVERY, PgBouncerTargetCollector } from './target.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

type Answer = { fields: { name: string }[]; rows: Record<string, string | null>[] };
const answer = (rows: Record<string, string | null>[], fields = Object.keys(rows[0] ?? {})): Answer => ({ fields: fields.map((name) => ({ name })), rows });

const ANSWERS: Record<string, Answer> = {
  'SHOW POOLS': answer([
    {
      database: 'app',
      user: 'app',
      cl_active: '1',
      cl_waiting: '2',
      sv_active: '1',
      sv_idle: '0',
      sv_used: '0',
      sv_tested: '0',
      sv_login: '0',
      maxwait: '3',
      maxwait_us: '0',
    },
  ]),
  'SHOW STATS': answer([
    {
      database: 'app',
      total_xact_count: '5',
      total_query_count: '6',
      total_received: '1',
      total_sent: '2',
      total_xact_time: '1',
      total_query_time: '1',
      total_wait_time: '1',
    },
  ]),
  'SHOW DATABASES': answer([
    {
      name: 'app',
      host: 'db',
      port: '5432',
      database: 'app',
      force_user: null,
      pool_size: '2',
      reserve_pool: '0',
      pool_mode: null,
      max_connections: '0',
      current_connections: '1',
      paused: '0',
      disabled: '0',
    },
  ]),
  'SHOW LISTS': answer([{ list: 'used_clients', items: '3' }]),
  'SHOW CONFIG': answer([
    { key: 'max_client_conn', value: '100' },
    { key: 'max_user_connections', value: '0' },
  ]),
  'SHOW VERSION': answer([{ version: 'PgBouncer 1.18.0' }]),
};

/** A target whose connection answers from `answers` and records each tick's commands. */
function scripted(answers: Record<string, Answer> = ANSWERS) {
  const { logger, lines } = capture();
  const opts = pgbouncerOptions.parse({ targets: [{ name: 'pgb', user: 'vigil_stats' }] });
  const target = new PgBouncerTargetCollector(opts.targets[0]!, logger, Date.now);
  const sent: string[][] = [];
  const fake = {
    connected: false,
    fail: undefined as TargetError | undefined,
    async run(commands: readonly string[]) {
      sent.push([...commands]);
      if (fake.fail !== undefined) {
        fake.connected = false;
        throw fake.fail;
      }
      fake.connected = true;
      return commands.map((c) => answers[c] ?? answer([], []));
    },
    async close() {},
  };
  (target as unknown as { connection: typeof fake }).connection = fake;
  return { target, fake, sent, lines };
}

const value = (out: Sample[], name: string) => out.find((s) => s.name === name)?.value;

describe('PgBouncerTargetCollector', () => {
  it('reads settings on connect and every CONFIG_EVERY ticks, and keeps their series in between', async () => {
    const { target, sent } = scripted();
    for (let i = 0; i <= CONFIG_EVERY; i++) {
      const out: Sample[] = [];
      expect(await target.collect(out)).toBe(0);
      expect(value(out, 'pgbouncer_up')).toBe(1);
      expect(value(out, 'pgbouncer_config_max_client_connections')).toBe(100);
      expect(value(out, 'pgbouncer_version_info')).toBe(1);
    }
    const withConfig = sent.map((c, i) => (c.includes('SHOW CONFIG') ? i : -1)).filter((i) => i >= 0);
    expect(withConfig).toEqual([0, CONFIG_EVERY]);
    expect(sent[1]).toEqual(['SHOW POOLS', 'SHOW STATS', 'SHOW DATABASES', 'SHOW LISTS']);
  });

  it('another version without columns it reads: the rest still comes, one coded line per new set of missing columns', async () => {
    const { cl_waiting: _w, ...pool } = ANSWERS['SHOW POOLS']!.rows[0]!;
    const { target, lines } = scripted({ ...ANSWERS, 'SHOW POOLS': answer([pool]) });
    for (let i = 0; i < 3; i++) {
      const out: Sample[] = [];
      expect(await target.collect(out)).toBe(1); // one column missing, counted as skipped
      expect(value(out, 'pgbouncer_up')).toBe(1);
      expect(value(out, 'pgbouncer_pools_client_active_connections')).toBe(1);
      expect(value(out, 'pgbouncer_pools_client_waiting_connections')).toBeUndefined();
    }
    const missing = lines.filter((l) => l.code === ErrorCode.PGBOUNCER_COLUMNS_MISSING);
    expect(missing).toHaveLength(1);
    expect(missing[0]!.missing).toEqual(['SHOW POOLS.cl_waiting']);
  });

  it('a failure: pgbouncer_up 0, counted, logged once with its code; a skipped attempt is not counted; settings re-read on reconnect', async () => {
    const { target, fake, sent, lines } = scripted();
    await target.collect([]);
    fake.fail = new TargetError('not allowed');
    const a: Sample[] = [];
    await target.collect(a);
    expect(value(a, 'pgbouncer_up')).toBe(0);
    expect(value(a, 'vigil_pgbouncer_scrape_errors_total')).toBe(1);
    fake.fail = new TargetError('waiting out the backoff', true);
    const b: Sample[] = [];
    await target.collect(b);
    expect(value(b, 'vigil_pgbouncer_scrape_errors_total')).toBe(1);
    expect(lines.filter((l) => l.msg === 'PgBouncer target down')).toEqual([
      expect.objectContaining({ code: ErrorCode.PGBOUNCER_TARGET_DOWN, err: 'not allowed' }),
    ]);
    fake.fail = undefined;
    await target.collect([]);
    expect(sent.at(-1)).toContain('SHOW CONFIG'); // reconnected: settings read again
    expect(lines.some((l) => l.msg === 'PgBouncer target up again')).toBe(true);
  });

  it('a PostgreSQL server behind the target: the mismatch code', async () => {
    const { target, fake, lines } = scripted();
    fake.fail = new TargetError('this is a PostgreSQL server, not a PgBouncer admin console', false, ErrorCode.TARGET_KIND_MISMATCH);
    await target.collect([]);
    expect(lines.find((l) => l.msg === 'PgBouncer target down')!.code).toBe(ErrorCode.TARGET_KIND_MISMATCH);
  });
});

describe('pgbouncer options', () => {
  it('defaults like postgres targets, admin console port 6432 and user pgbouncer; passwordFile and passwordEnv exclusive; names unique', () => {
    expect(pgbouncerOptions.parse({ targets: [{ name: 'a' }] }).targets[0]).toEqual({
      name: 'a',
      host: 'localhost',
      port: 6432,
      user: 'pgbouncer',
      sslmode: 'prefer',
      timeout: '2s',
    });
    expect(pgbouncerOptions.safeParse({ targets: [{ name: 'a', passwordFile: '/f', passwordEnv: 'X' }] }).success).toBe(false);
    expect(pgbouncerOptions.safeParse({ targets: [{ name: 'a' }, { name: 'a' }] }).success).toBe(false);
    expect(pgbouncerOptions.safeParse({ targets: [{ name: 'a', database: 'x' }] }).success).toBe(false); // always the admin console
  });
});
