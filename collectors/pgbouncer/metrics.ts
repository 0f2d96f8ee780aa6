// The PgBouncer families, declared as data, with prometheus-community/pgbouncer_exporter's names and
// meanings where it has the metric (so its dashboards work), plus `target` (the configured name);
// `vigil_pgbouncer_*` for what it does not have. Each maps one column of one admin-console SHOW command.
import type { MetricSpec } from '../../core/samples.ts';

const POOL_LABELS = ['target', 'database', 'user'] as const;
const STATS_LABELS = ['target', 'database'] as const;
export const DATABASE_LABELS = ['target', 'name', 'host', 'port', 'database', 'force_user', 'pool_mode'] as const;

export const M = {
  up: 'pgbouncer_up',
  version: 'pgbouncer_version_info',
  scrapeErrors: 'vigil_pgbouncer_scrape_errors_total',
  scrapeDuration: 'vigil_pgbouncer_scrape_duration_seconds',
  listItems: 'vigil_pgbouncer_list_items',
  maxClientConn: 'pgbouncer_config_max_client_connections',
  maxUserConn: 'pgbouncer_config_max_user_connections',
  poolMaxwait: 'pgbouncer_pools_client_maxwait_seconds',
} as const;

/** One numeric column of a SHOW command → one family; `scale` turns PgBouncer's microseconds into seconds. */
export interface ColumnMetric {
  readonly column: string;
  readonly name: string;
  readonly kind: 'gauge' | 'counter';
  readonly help: string;
  readonly scale?: number;
}

const US = 1e-6;

export const POOL_COLUMNS: readonly ColumnMetric[] = [
  {
    column: 'cl_active',
    name: 'pgbouncer_pools_client_active_connections',
    kind: 'gauge',
    help: 'Client connections linked to a server connection and able to process queries.',
  },
  {
    column: 'cl_waiting',
    name: 'pgbouncer_pools_client_waiting_connections',
    kind: 'gauge',
    help: 'Client connections that have sent queries but have not yet got a server connection.',
  },
  { column: 'sv_active', name: 'pgbouncer_pools_server_active_connections', kind: 'gauge', help: 'Server connections linked to a client.' },
  {
    column: 'sv_idle',
    name: 'pgbouncer_pools_server_idle_connections',
    kind: 'gauge',
    help: 'Server connections unused and immediately usable for client queries.',
  },
  {
    column: 'sv_used',
    name: 'pgbouncer_pools_server_used_connections',
    kind: 'gauge',
    help: 'Server connections idle for more than server_check_delay, needing server_check_query.',
  },
  {
    column: 'sv_tested',
    name: 'pgbouncer_pools_server_testing_connections',
    kind: 'gauge',
    help: 'Server connections running server_reset_query or server_check_query.',
  },
  { column: 'sv_login', name: 'pgbouncer_pools_server_login_connections', kind: 'gauge', help: 'Server connections currently in the process of logging in.' },
];

export const STATS_COLUMNS: readonly ColumnMetric[] = [
  { column: 'total_query_count', name: 'pgbouncer_stats_queries_pooled_total', kind: 'counter', help: 'Total number of SQL queries pooled.' },
  {
    column: 'total_query_time',
    name: 'pgbouncer_stats_queries_duration_seconds_total',
    kind: 'counter',
    help: 'Total seconds spent by PgBouncer actively connected to PostgreSQL, executing queries.',
    scale: US,
  },
  { column: 'total_received', name: 'pgbouncer_stats_received_bytes_total', kind: 'counter', help: 'Total bytes of network traffic received by PgBouncer.' },
  { column: 'total_sent', name: 'pgbouncer_stats_sent_bytes_total', kind: 'counter', help: 'Total bytes of network traffic sent by PgBouncer.' },
  {
    column: 'total_wait_time',
    name: 'pgbouncer_stats_client_wait_seconds_total',
    kind: 'counter',
    help: 'Time spent by clients waiting for a server, in seconds.',
    scale: US,
  },
  { column: 'total_xact_count', name: 'pgbouncer_stats_sql_transactions_pooled_total', kind: 'counter', help: 'Total number of SQL transactions pooled.' },
  {
    column: 'total_xact_time',
    name: 'pgbouncer_stats_server_in_transaction_seconds_total',
    kind: 'counter',
    help: 'Total seconds spent by PgBouncer connected to PostgreSQL in a transaction.',
    scale: US,
  },
];

export const DATABASE_COLUMNS: readonly ColumnMetric[] = [
  { column: 'pool_size', name: 'pgbouncer_databases_pool_size', kind: 'gauge', help: 'Maximum number of server connections of the database pool.' },
  { column: 'reserve_pool', name: 'pgbouncer_databases_reserve_pool', kind: 'gauge', help: 'Maximum number of additional connections for this database.' },
  {
    column: 'max_connections',
    name: 'pgbouncer_databases_max_connections',
    kind: 'gauge',
    help: 'Maximum number of allowed connections for this database (0: unlimited).',
  },
  { column: 'current_connections', name: 'pgbouncer_databases_current_connections', kind: 'gauge', help: 'Current number of connections for this database.' },
  { column: 'paused', name: 'pgbouncer_databases_paused', kind: 'gauge', help: '1 if this database is currently paused, else 0.' },
  { column: 'disabled', name: 'pgbouncer_databases_disabled', kind: 'gauge', help: '1 if this database is currently disabled, else 0.' },
];

/** SHOW CONFIG keys read, as families. */
export const CONFIG_KEYS: readonly ColumnMetric[] = [
  { column: 'max_client_conn', name: M.maxClientConn, kind: 'gauge', help: 'Config maximum number of client connections.' },
  { column: 'max_user_connections', name: M.maxUserConn, kind: 'gauge', help: 'Config maximum number of server connections per user (0: unlimited).' },
];

const T = ['target'];
const spec = (c: ColumnMetric, labels: readonly string[]): MetricSpec => ({ name: c.name, help: c.help, kind: c.kind, labels });

export const PGBOUNCER_METRICS: readonly MetricSpec[] = [
  { name: M.up, help: 'pgbouncer_exporter: Whether the last scrape of the PgBouncer admin console succeeded (1) or not (0).', kind: 'gauge', labels: T },
  { name: M.version, help: 'The PgBouncer version (SHOW VERSION), always 1.', kind: 'gauge', labels: [...T, 'version'] },
  { name: M.scrapeErrors, help: 'Failed attempts to connect to or query the PgBouncer admin console.', kind: 'counter', labels: T },
  { name: M.scrapeDuration, help: 'Duration of the last collection from the PgBouncer target.', kind: 'gauge', labels: T },
  ...POOL_COLUMNS.map((c) => spec(c, POOL_LABELS)),
  { name: M.poolMaxwait, help: 'Seconds the oldest waiting client of the pool has waited (maxwait + maxwait_us).', kind: 'gauge', labels: POOL_LABELS },
  ...STATS_COLUMNS.map((c) => spec(c, STATS_LABELS)),
  ...DATABASE_COLUMNS.map((c) => spec(c, DATABASE_LABELS)),
  ...CONFIG_KEYS.map((c) => spec(c, T)),
  {
    name: M.listItems,
    help: 'Items of each internal PgBouncer list (SHOW LISTS): used_clients, free_servers, pools, …',
    kind: 'gauge',
    labels: [...T, 'list'],
  },
];
