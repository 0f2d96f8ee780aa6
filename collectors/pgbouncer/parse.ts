// Pure: rows of PgBouncer's admin-console SHOW commands (every value the text PgBouncer sent) → samples.
// Columns are looked up by name, so another PgBouncer version with more, fewer or reordered columns
// yields the series whose columns it has; each missing column is reported, never guessed.
import { type Labels, type Sample } from '../../core/samples.ts';
import { CONFIG_KEYS, type ColumnMetric, DATABASE_COLUMNS, DATABASE_LABELS, M, POOL_COLUMNS, STATS_COLUMNS } from './metrics.ts';

export type Row = Readonly<Record<string, string | null | undefined>>;

/** The commands of every tick, sent one query each on the one connection. */
export const LIVE_COMMANDS = ['SHOW POOLS', 'SHOW STATS', 'SHOW DATABASES', 'SHOW LISTS'] as const;
/** Settings and version: read on each (re)connect and every CONFIG_EVERY ticks, kept in between. */
const SETTINGS_COMMANDS = ['SHOW CONFIG', 'SHOW VERSION'] as const;
export const COMMANDS = [...LIVE_COMMANDS, ...SETTINGS_COMMANDS] as const;

export interface ParseResult {
  /** "SHOW POOLS.cl_waiting"-style names of the columns Vigil reads that the answer did not have. */
  readonly missing: string[];
}

const num = (v: string | null | undefined): number | undefined => {
  if (v === null || v === undefined || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** The columns of a result: from its field list (present even with no rows). */
function pushColumns(
  command: string,
  fields: readonly string[],
  rows: readonly Row[],
  columns: readonly ColumnMetric[],
  labels: (r: Row) => Labels,
  out: Sample[],
  res: ParseResult,
): void {
  const have = new Set(fields);
  const known = columns.filter((c) => {
    if (have.has(c.column)) return true;
    res.missing.push(`${command}.${c.column}`);
    return false;
  });
  for (const r of rows) {
    const l = labels(r);
    for (const c of known) {
      const v = num(r[c.column]);
      if (v !== undefined) out.push({ name: c.name, labels: l, value: v * (c.scale ?? 1), kind: c.kind });
    }
  }
}

export interface ShowResults {
  readonly pools: { fields: readonly string[]; rows: readonly Row[] };
  readonly stats: { fields: readonly string[]; rows: readonly Row[] };
  readonly databases: { fields: readonly string[]; rows: readonly Row[] };
  readonly lists: { fields: readonly string[]; rows: readonly Row[] };
  readonly config: { fields: readonly string[]; rows: readonly Row[] };
  readonly version: { fields: readonly string[]; rows: readonly Row[] };
}

const s = (v: string | null | undefined): string => v ?? '';

/** Every PgBouncer sample of one tick but the health series. */
export function pgbouncerSamples(r: ShowResults, target: string, base: Labels, out: Sample[]): ParseResult {
  const res: ParseResult = { missing: [] };
  const pool = (row: Row): Labels => ({ target, database: s(row.database), user: s(row.user) });
  pushColumns('SHOW POOLS', r.pools.fields, r.pools.rows, POOL_COLUMNS, pool, out, res);
  // maxwait is whole seconds, maxwait_us the microseconds part (1.8+); the exporter adds them.
  if (r.pools.fields.includes('maxwait')) {
    const us = r.pools.fields.includes('maxwait_us');
    for (const row of r.pools.rows) {
      const secs = num(row.maxwait);
      if (secs !== undefined) out.push({ name: M.poolMaxwait, labels: pool(row), value: secs + (us ? (num(row.maxwait_us) ?? 0) * 1e-6 : 0), kind: 'gauge' });
    }
  } else res.missing.push('SHOW POOLS.maxwait');
  pushColumns('SHOW STATS', r.stats.fields, r.stats.rows, STATS_COLUMNS, (row) => ({ target, database: s(row.database) }), out, res);
  const dbLabels = (row: Row): Labels => Object.fromEntries(DATABASE_LABELS.map((k) => [k, k === 'target' ? target : s(row[k])]));
  pushColumns('SHOW DATABASES', r.databases.fields, r.databases.rows, DATABASE_COLUMNS, dbLabels, out, res);
  if (r.lists.fields.includes('list') && r.lists.fields.includes('items')) {
    for (const row of r.lists.rows) {
      const v = num(row.items);
      if (v !== undefined && row.list) out.push({ name: M.listItems, labels: { target, list: row.list }, value: v, kind: 'gauge' });
    }
  } else res.missing.push('SHOW LISTS.items');
  if (r.config.fields.includes('key') && r.config.fields.includes('value')) {
    for (const c of CONFIG_KEYS) {
      const v = num(r.config.rows.find((row) => row.key === c.column)?.value);
      if (v !== undefined) out.push({ name: c.name, labels: base, value: v, kind: c.kind });
      else res.missing.push(`SHOW CONFIG.${c.column}`);
    }
  } else res.missing.push('SHOW CONFIG.value');
  const version = r.version.rows[0]?.version;
  if (typeof version === 'string') out.push({ name: M.version, labels: { target, version: version.replace(/^PgBouncer\s+/i, '') }, value: 1, kind: 'gauge' });
  return res;
}
