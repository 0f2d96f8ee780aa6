// The SHOW parsers on PgBouncer 1.18's own answers (captured from the test peer) and on answers of a
// hypothetical other version: renamed and missing columns yield what can be read and name the rest.
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/samples.ts';
import { type Row, type ShowResults, pgbouncerSamples } from './parse.ts';

const res = (rows: Row[], fields: readonly string[] = Object.keys(rows[0] ?? {})) => ({ fields, rows });

const V118: ShowResults = {
  pools: res([
    {
      database: 'postgres',
      user: 'app',
      cl_active: '2',
      cl_waiting: '6',
      cl_active_cancel_req: '0',
      cl_waiting_cancel_req: '0',
      sv_active: '2',
      sv_active_cancel: '0',
      sv_being_canceled: '0',
      sv_idle: '0',
      sv_used: '0',
      sv_tested: '0',
      sv_login: '0',
      maxwait: '1',
      maxwait_us: '250000',
      pool_mode: 'transaction',
    },
  ]),
  stats: res([
    {
      database: 'postgres',
      total_xact_count: '120',
      total_query_count: '130',
      total_received: '4000',
      total_sent: '9000',
      total_xact_time: '6500000',
      total_query_time: '6000000',
      total_wait_time: '1500000',
      avg_xact_count: '2',
      avg_query_count: '2',
      avg_recv: '0',
      avg_sent: '0',
      avg_xact_time: '0',
      avg_query_time: '0',
      avg_wait_time: '0',
    },
  ]),
  databases: res([
    {
      name: 'postgres',
      host: '127.0.0.1',
      port: '5432',
      database: 'postgres',
      force_user: null,
      pool_size: '2',
      min_pool_size: '0',
      reserve_pool: '0',
      pool_mode: null,
      max_connections: '0',
      current_connections: '2',
      paused: '0',
      disabled: '0',
    },
  ]),
  lists: res([
    { list: 'used_clients', items: '9' },
    { list: 'pools', items: '2' },
  ]),
  config: res([
    { key: 'max_client_conn', value: '100', default: '100', changeable: 'yes' },
    { key: 'max_user_connections', value: '0', default: '0', changeable: 'yes' },
  ]),
  version: res([{ version: 'PgBouncer 1.18.0' }]),
};

const find = (out: Sample[], name: string) => out.filter((s) => s.name === name);

describe('pgbouncerSamples', () => {
  it('maps 1.18 answers to pgbouncer_exporter names, microseconds to seconds', () => {
    const out: Sample[] = [];
    const r = pgbouncerSamples(V118, 'b', { target: 'b' }, out);
    expect(r.missing).toEqual([]);
    const pool = { target: 'b', database: 'postgres', user: 'app' };
    expect(find(out, 'pgbouncer_pools_client_waiting_connections')).toEqual([
      { name: 'pgbouncer_pools_client_waiting_connections', labels: pool, value: 6, kind: 'gauge' },
    ]);
    expect(find(out, 'pgbouncer_pools_client_maxwait_seconds')[0]!.value).toBeCloseTo(1.25, 9);
    expect(find(out, 'pgbouncer_stats_queries_duration_seconds_total')[0]).toMatchObject({
      value: 6,
      kind: 'counter',
      labels: { target: 'b', database: 'postgres' },
    });
    expect(find(out, 'pgbouncer_stats_sql_transactions_pooled_total')[0]!.value).toBe(120);
    expect(find(out, 'pgbouncer_databases_current_connections')[0]!.labels).toEqual({
      target: 'b',
      name: 'postgres',
      host: '127.0.0.1',
      port: '5432',
      database: 'postgres',
      force_user: '',
      pool_mode: '',
    });
    expect(find(out, 'pgbouncer_config_max_client_connections')[0]!.value).toBe(100);
    expect(find(out, 'vigil_pgbouncer_list_items').map((s) => [s.labels.list, s.value])).toEqual([
      ['used_clients', 9],
      ['pools', 2],
    ]);
    expect(find(out, 'pgbouncer_version_info')[0]!.labels).toEqual({ target: 'b', version: '1.18.0' });
  });

  it('another version: missing columns are named and left out, extra columns ignored, the rest kept', () => {
    const { cl_waiting: _w, maxwait_us: _u, ...pool } = V118.pools.rows[0]!;
    const other: ShowResults = {
      ...V118,
      pools: res([{ ...pool, cl_waiting_new: '3' }]),
      stats: res([{ database: 'postgres', total_xact_count: '5' }]),
      config: res([{ name: 'max_client_conn', setting: '100' }]),
    };
    const out: Sample[] = [];
    const r = pgbouncerSamples(other, 'b', { target: 'b' }, out);
    expect(r.missing).toContain('SHOW POOLS.cl_waiting');
    expect(r.missing).toContain('SHOW STATS.total_query_count');
    expect(r.missing).toContain('SHOW CONFIG.value');
    expect(find(out, 'pgbouncer_pools_client_waiting_connections')).toEqual([]);
    expect(find(out, 'pgbouncer_pools_client_active_connections')[0]!.value).toBe(2);
    expect(find(out, 'pgbouncer_pools_client_maxwait_seconds')[0]!.value).toBe(1); // no maxwait_us: whole seconds
    expect(find(out, 'pgbouncer_stats_sql_transactions_pooled_total')[0]!.value).toBe(5);
    expect(find(out, 'pgbouncer_config_max_client_connections')).toEqual([]);
  });

  it('no pools yet (an idle PgBouncer): no pool series, nothing missing; non-numbers are skipped', () => {
    const out: Sample[] = [];
    const r = pgbouncerSamples({ ...V118, pools: res([], V118.pools.fields), lists: res([{ list: 'pools', items: 'many' }]) }, 'b', { target: 'b' }, out);
    expect(r.missing).toEqual([]);
    expect(out.filter((s) => s.name.startsWith('pgbouncer_pools_'))).toEqual([]);
    expect(find(out, 'vigil_pgbouncer_list_items')).toEqual([]);
  });
});
