// Role detection and the replica view, in one statement that is safe on either role (the recovery
// functions return NULL on a primary). pg_replication_lag_seconds keeps postgres_exporter's rule —
// 0 when all received WAL is replayed — which reads 0 on a standby cut off from an idle primary;
// the vigil_pg_* signals beside it do not have that blind spot.
import { type Labels, type Sample, gauge } from '../../core/samples.ts';
import { M } from './metrics.ts';

export const ROLE_AND_REPLICA_SQL = `SELECT
  pg_is_in_recovery() AS in_recovery,
  EXTRACT(EPOCH FROM now())::float8 AS server_now,
  (CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())))
  END)::float8 AS lag,
  GREATEST(0, EXTRACT(EPOCH FROM (now() - pg_last_xact_replay_timestamp())))::float8 AS replay_age,
  pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS receive_replay_bytes,
  w.status AS receiver_status,
  EXTRACT(EPOCH FROM w.last_msg_receipt_time)::float8 AS last_msg_receipt
FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS w ON true`;

export interface RoleRow {
  readonly in_recovery: boolean;
  readonly server_now: number;
  readonly lag: number | null;
  readonly replay_age: number | null;
  readonly receive_replay_bytes: number | null;
  readonly receiver_status: string | null;
  readonly last_msg_receipt: number | null;
}

/** What the replica view remembers between ticks. */
export interface ReplicaMemory {
  /** The WAL receiver's last message time (server epoch seconds), kept while the receiver is gone. */
  lastMessageReceipt?: number;
}

/** Pushes the role and (on a standby) replica-view samples; updates `memory`. */
export function replicaSamples(row: RoleRow, labels: Labels, memory: ReplicaMemory, out: Sample[]): void {
  out.push(gauge(M.isReplica, labels, row.in_recovery ? 1 : 0));
  if (row.lag !== null) out.push(gauge(M.lag, labels, row.lag));
  if (!row.in_recovery) {
    memory.lastMessageReceipt = undefined;
    return;
  }
  // NULL until the first transaction is replayed after the standby started: absent, not 0.
  if (row.replay_age !== null) out.push(gauge(M.replayAge, labels, row.replay_age));
  if (row.receive_replay_bytes !== null) out.push(gauge(M.receiveReplayBytes, labels, Math.max(0, row.receive_replay_bytes)));
  out.push(gauge(M.receiverUp, labels, row.receiver_status === 'streaming' ? 1 : 0));
  // The receiver's row disappears when it exits (upstream gone); its last message time is the
  // evidence of how long the standby has been cut off, so it is remembered.
  if (row.last_msg_receipt !== null) memory.lastMessageReceipt = row.last_msg_receipt;
  if (memory.lastMessageReceipt !== undefined) out.push(gauge(M.receiverMessageAge, labels, Math.max(0, row.server_now - memory.lastMessageReceipt)));
}
