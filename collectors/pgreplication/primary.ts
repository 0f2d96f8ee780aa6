// The primary view: each connected standby (pg_stat_replication, with the slot it streams from) and
// each replication slot, byte lags against pg_current_wal_lsn(). pg_current_wal_lsn() fails during
// recovery, so it is only called under CASE (as postgres_exporter does); on a standby both
// statements return no rows.
import { type Labels, type Sample, gauge } from '../../core/samples.ts';
import { M, WAL_STATUSES } from './metrics.ts';

const CURRENT_LSN = 'WITH cur AS (SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END AS lsn)';

export const STANDBYS_SQL = `${CURRENT_LSN}
SELECT
  COALESCE(r.application_name, '') AS application_name,
  COALESCE(host(r.client_addr), '') AS client_addr,
  COALESCE(r.state, '') AS state,
  COALESCE(s.slot_name::text, '') AS slot_name,
  EXTRACT(EPOCH FROM r.write_lag)::float8 AS write_lag,
  EXTRACT(EPOCH FROM r.flush_lag)::float8 AS flush_lag,
  EXTRACT(EPOCH FROM r.replay_lag)::float8 AS replay_lag,
  pg_wal_lsn_diff(cur.lsn, r.sent_lsn)::float8 AS sent_bytes,
  pg_wal_lsn_diff(cur.lsn, r.write_lsn)::float8 AS write_bytes,
  pg_wal_lsn_diff(cur.lsn, r.flush_lsn)::float8 AS flush_bytes,
  pg_wal_lsn_diff(cur.lsn, r.replay_lsn)::float8 AS replay_bytes
FROM pg_stat_replication AS r
CROSS JOIN cur
LEFT JOIN pg_replication_slots AS s ON s.active_pid = r.pid
WHERE cur.lsn IS NOT NULL
ORDER BY r.pid`;

export const SLOTS_SQL = `${CURRENT_LSN}
SELECT
  s.slot_name::text AS slot_name,
  s.slot_type,
  s.active,
  s.wal_status,
  s.safe_wal_size::float8 AS safe_wal_size,
  pg_wal_lsn_diff(cur.lsn, s.restart_lsn)::float8 AS retained_bytes
FROM pg_replication_slots AS s
CROSS JOIN cur
WHERE cur.lsn IS NOT NULL
ORDER BY s.slot_name`;

export interface StandbyRow {
  readonly application_name: string;
  readonly client_addr: string;
  readonly state: string;
  readonly slot_name: string;
  readonly write_lag: number | null;
  readonly flush_lag: number | null;
  readonly replay_lag: number | null;
  readonly sent_bytes: number | null;
  readonly write_bytes: number | null;
  readonly flush_bytes: number | null;
  readonly replay_bytes: number | null;
}

export interface SlotRow {
  readonly slot_name: string;
  readonly slot_type: string;
  readonly active: boolean;
  readonly wal_status: string | null;
  readonly safe_wal_size: number | null;
  readonly retained_bytes: number | null;
}

/** Label sets of one target, reused from tick to tick. */
export class LabelCache {
  private readonly target: string;
  private readonly cache = new Map<string, Labels>();
  readonly base: Labels;

  constructor(target: string) {
    this.target = target;
    this.base = Object.freeze({ target });
  }

  standby(r: StandbyRow): Labels {
    const key = `s\u0000${r.application_name}\u0000${r.client_addr}\u0000${r.state}\u0000${r.slot_name}`;
    let l = this.cache.get(key);
    if (l === undefined) {
      l = Object.freeze({ target: this.target, application_name: r.application_name, client_addr: r.client_addr, state: r.state, slot_name: r.slot_name });
      this.cache.set(key, l);
    }
    return l;
  }

  slot(r: SlotRow, walStatus?: string): Labels {
    const key = `l\u0000${r.slot_name}\u0000${r.slot_type}\u0000${walStatus ?? ''}`;
    let l = this.cache.get(key);
    if (l === undefined) {
      l = Object.freeze({ target: this.target, slot_name: r.slot_name, slot_type: r.slot_type, ...(walStatus !== undefined ? { wal_status: walStatus } : {}) });
      this.cache.set(key, l);
    }
    return l;
  }

  /** Bounds the cache when standbys come and go (new client ports, new states). */
  trim(max = 1024): void {
    if (this.cache.size > max) this.cache.clear();
  }
}

const bytes = (v: number | null): number | undefined => (v === null ? undefined : Math.max(0, v));

/**
 * Pushes the primary view. A NULL lag time means the standby has caught up and is idle (PostgreSQL
 * clears the columns then): reported as 0. Returns how many standby rows were skipped because their
 * label set repeated another's (two standbys with the same name and address and no slot).
 */
export function primarySamples(
  standbys: readonly StandbyRow[],
  slots: readonly SlotRow[],
  labels: LabelCache,
  expected: number | undefined,
  out: Sample[],
): number {
  let duplicates = 0;
  const seen = new Set<Labels>();
  for (const r of standbys) {
    const l = labels.standby(r);
    if (seen.has(l)) {
      duplicates++;
      continue;
    }
    seen.add(l);
    out.push(gauge(M.writeLag, l, r.write_lag ?? 0));
    out.push(gauge(M.flushLag, l, r.flush_lag ?? 0));
    out.push(gauge(M.replayLag, l, r.replay_lag ?? 0));
    const sent = bytes(r.sent_bytes);
    const write = bytes(r.write_bytes);
    const flush = bytes(r.flush_bytes);
    const replay = bytes(r.replay_bytes);
    if (sent !== undefined) out.push(gauge(M.sentBytes, l, sent));
    if (write !== undefined) out.push(gauge(M.writeBytes, l, write));
    if (flush !== undefined) out.push(gauge(M.flushBytes, l, flush));
    if (replay !== undefined) {
      out.push(gauge(M.replayBytes, l, replay));
      // postgres_exporter does not clamp: a standby ahead of a just-promoted primary shows negative.
      out.push(gauge(M.exporterLsnDiff, l, r.replay_bytes!));
    }
  }
  out.push(gauge(M.standbysConnected, labels.base, standbys.length));
  for (const s of slots) {
    const l = labels.slot(s);
    out.push(gauge(M.slotActive, l, s.active ? 1 : 0));
    const retained = bytes(s.retained_bytes);
    if (retained !== undefined) out.push(gauge(M.slotRetained, l, retained));
    if (s.safe_wal_size !== null) out.push(gauge(M.slotSafeWal, l, s.safe_wal_size));
    if (s.wal_status !== null) for (const ws of WAL_STATUSES) out.push(gauge(M.slotWalStatus, labels.slot(s, ws), s.wal_status === ws ? 1 : 0));
  }
  if (expected !== undefined) out.push(gauge(M.standbysExpected, labels.base, expected));
  labels.trim();
  return duplicates;
}
