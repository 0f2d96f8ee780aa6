// The PostgreSQL replication families, declared as data. Every one carries `target` (the configured
// target name). postgres_exporter's names where Vigil shares its meaning (pg_up, pg_replication_*,
// pg_stat_replication_pg_wal_lsn_diff); `vigil_pg_` for the signals it does not have.
import type { MetricSpec } from '../../core/samples.ts';

const STANDBY_LABELS = ['target', 'application_name', 'client_addr', 'state', 'slot_name'] as const;
const SLOT_LABELS = ['target', 'slot_name', 'slot_type'] as const;
/** pg_replication_slots.wal_status values (PostgreSQL 13+); each is a series, 1 for the current one. */
export const WAL_STATUSES = ['reserved', 'extended', 'unreserved', 'lost'] as const;

export const M = {
  up: 'pg_up',
  scrapeErrors: 'vigil_pg_scrape_errors_total',
  scrapeDuration: 'vigil_pg_scrape_duration_seconds',
  isReplica: 'pg_replication_is_replica',
  lag: 'pg_replication_lag_seconds',
  replayAge: 'vigil_pg_replay_timestamp_age_seconds',
  receiveReplayBytes: 'vigil_pg_receive_replay_lag_bytes',
  receiverUp: 'vigil_pg_wal_receiver_up',
  receiverMessageAge: 'vigil_pg_wal_receiver_last_message_age_seconds',
  writeLag: 'vigil_pg_replication_write_lag_seconds',
  flushLag: 'vigil_pg_replication_flush_lag_seconds',
  replayLag: 'vigil_pg_replication_replay_lag_seconds',
  sentBytes: 'vigil_pg_replication_sent_lag_bytes',
  writeBytes: 'vigil_pg_replication_write_lag_bytes',
  flushBytes: 'vigil_pg_replication_flush_lag_bytes',
  replayBytes: 'vigil_pg_replication_replay_lag_bytes',
  exporterLsnDiff: 'pg_stat_replication_pg_wal_lsn_diff',
  standbysConnected: 'vigil_pg_replication_standbys_connected',
  standbysExpected: 'vigil_pg_replication_standbys_expected',
  slotActive: 'vigil_pg_replication_slot_active',
  slotRetained: 'vigil_pg_replication_slot_retained_wal_bytes',
  slotSafeWal: 'vigil_pg_replication_slot_safe_wal_size_bytes',
  slotWalStatus: 'vigil_pg_replication_slot_wal_status',
  archivingEnabled: 'vigil_pg_archiving_enabled',
  archivedCount: 'vigil_pg_archive_archived_total',
  failedCount: 'vigil_pg_archive_failed_total',
  lastArchiveAge: 'pg_stat_archiver_last_archive_age',
  lastFailedAge: 'vigil_pg_archive_last_failed_age_seconds',
  archiveFailing: 'vigil_pg_archive_failing',
  archiveReady: 'vigil_pg_archive_ready_files',
  isPrimary: 'vigil_pg_is_primary',
  timeline: 'vigil_pg_timeline_id',
  startTime: 'pg_postmaster_start_time_seconds',
  roleChanges: 'vigil_pg_role_changes_total',
  rpo: 'vigil_pg_archive_rpo_seconds',
} as const;

const g = (name: string, labels: readonly string[], help: string): MetricSpec => ({ name, help, kind: 'gauge', labels });
const T = ['target'];

export const PG_METRICS: readonly MetricSpec[] = [
  g(M.up, T, 'postgres_exporter: Whether the last scrape of the target could connect and query (1 for yes, 0 for no).'),
  { name: M.scrapeErrors, help: 'Failed attempts to connect to or query the target.', kind: 'counter', labels: T },
  g(M.scrapeDuration, T, 'Duration of the last collection from the target.'),
  g(M.isReplica, T, 'postgres_exporter: Whether the target is a standby (pg_is_in_recovery()), 1 or 0.'),
  g(
    M.lag,
    T,
    'postgres_exporter: Replication lag in seconds (now - last replayed transaction), 0 on a primary and 0 whenever everything received is replayed, even when the WAL receiver is down.',
  ),
  g(M.replayAge, T, 'Seconds since the last transaction replayed on the standby was committed on the primary (no idle rule).'),
  g(M.receiveReplayBytes, T, 'WAL bytes received by the standby but not yet replayed.'),
  g(M.receiverUp, T, 'Whether the standby WAL receiver is streaming from its upstream (1) or not (0).'),
  g(M.receiverMessageAge, T, 'Seconds since the WAL receiver last heard from its upstream (remembered across receiver restarts).'),
  g(M.writeLag, STANDBY_LABELS, 'Time until recent WAL was written on the standby (pg_stat_replication.write_lag); 0 when caught up and idle.'),
  g(M.flushLag, STANDBY_LABELS, 'Time until recent WAL was flushed on the standby (pg_stat_replication.flush_lag); 0 when caught up and idle.'),
  g(M.replayLag, STANDBY_LABELS, 'Time until recent WAL was replayed on the standby (pg_stat_replication.replay_lag); 0 when caught up and idle.'),
  g(M.sentBytes, STANDBY_LABELS, 'Bytes between the current WAL position and the position sent to the standby.'),
  g(M.writeBytes, STANDBY_LABELS, 'Bytes between the current WAL position and the position written on the standby.'),
  g(M.flushBytes, STANDBY_LABELS, 'Bytes between the current WAL position and the position flushed on the standby.'),
  g(M.replayBytes, STANDBY_LABELS, 'Bytes between the current WAL position and the position replayed on the standby.'),
  g(M.exporterLsnDiff, STANDBY_LABELS, 'postgres_exporter: Lag in bytes between master and slave (current WAL position - replay position).'),
  g(M.standbysConnected, T, 'Standbys connected to the primary (rows of pg_stat_replication).'),
  g(M.standbysExpected, T, 'Standbys the primary should have (config expectedReplicas).'),
  g(M.slotActive, SLOT_LABELS, 'Whether a replication slot is in use by a connection (1) or not (0).'),
  g(M.slotRetained, SLOT_LABELS, 'WAL bytes the slot keeps from being removed (current WAL position - restart_lsn).'),
  g(M.slotSafeWal, SLOT_LABELS, 'Bytes that can still be written before the slot is in danger of losing WAL (absent without max_slot_wal_keep_size).'),
  g(M.slotWalStatus, [...SLOT_LABELS, 'wal_status'], 'The slot WAL status: 1 for the current one of reserved, extended, unreserved, lost.'),
  g(M.archivingEnabled, T, 'Whether WAL archiving is active on the target: archive_mode on (on a primary) or always, 1 or 0.'),
  {
    name: M.archivedCount,
    help: 'WAL files successfully archived (pg_stat_archiver.archived_count; postgres_exporter: pg_stat_archiver_archived_count).',
    kind: 'counter',
    labels: T,
  },
  {
    name: M.failedCount,
    help: 'Failed attempts to archive WAL files (pg_stat_archiver.failed_count; postgres_exporter: pg_stat_archiver_failed_count).',
    kind: 'counter',
    labels: T,
  },
  g(M.lastArchiveAge, T, 'postgres_exporter: Seconds since the last WAL file was successfully archived (absent before the first one).'),
  g(M.lastFailedAge, T, 'Seconds since the last failed attempt to archive a WAL file (absent before the first one).'),
  g(M.archiveFailing, T, 'Whether the last archiving attempt failed (last_failed_time after last_archived_time), 1 or 0.'),
  g(
    M.archiveReady,
    T,
    'WAL segments waiting to be archived (.ready files in pg_wal/archive_status; absent when the role may not call pg_ls_archive_statusdir()).',
  ),
  g(M.isPrimary, T, 'Whether the target is a primary (not in recovery), 1 or 0.'),
  g(M.timeline, T, 'The timeline the target is on (a promotion starts a new one).'),
  g(M.startTime, T, 'postgres_exporter: Time at which the postmaster started, in seconds since the epoch.'),
  g(M.rpo, T, 'The recovery point objective configured for the target (rpo), while archiving is active: the threshold of PostgresWALArchiveOlderThanRPO.'),
  { name: M.roleChanges, help: 'Role changes seen by this agent: promotions (replica to primary) and demotions.', kind: 'counter', labels: T },
];
