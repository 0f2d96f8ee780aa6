// WAL archiving (backup freshness) and the server's identity, in one statement safe on either role:
// pg_stat_archiver and archive_mode; the segments waiting in archive_status/ (pg_ls_archive_statusdir(),
// only where the role may call it: superuser or pg_monitor); the timeline (from the current WAL file
// on a primary, the WAL receiver or the last checkpoint on a standby) and the postmaster start time.
import { type Labels, type Sample, counter, gauge } from '../../core/samples.ts';
import { M } from './metrics.ts';

export const ARCHIVE_SQL = `SELECT
  current_setting('archive_mode') AS archive_mode,
  a.archived_count::float8 AS archived_count,
  a.failed_count::float8 AS failed_count,
  EXTRACT(EPOCH FROM (now() - a.last_archived_time))::float8 AS last_archived_age,
  EXTRACT(EPOCH FROM (now() - a.last_failed_time))::float8 AS last_failed_age,
  COALESCE(a.last_failed_time > a.last_archived_time OR (a.last_failed_time IS NOT NULL AND a.last_archived_time IS NULL), false) AS failing,
  (CASE WHEN has_function_privilege('pg_ls_archive_statusdir()', 'EXECUTE')
    THEN (SELECT count(*) FROM pg_ls_archive_statusdir() AS f WHERE f.name LIKE '%.ready') END)::float8 AS ready_files,
  (CASE
    WHEN NOT pg_is_in_recovery() THEN ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int
    ELSE COALESCE((SELECT received_tli FROM pg_stat_wal_receiver),
      CASE WHEN has_function_privilege('pg_control_checkpoint()', 'EXECUTE') THEN (SELECT timeline_id FROM pg_control_checkpoint()) END)
  END)::float8 AS timeline,
  EXTRACT(EPOCH FROM pg_postmaster_start_time())::float8 AS start_time
FROM pg_stat_archiver AS a`;

export interface ArchiveRow {
  readonly archive_mode: string;
  readonly archived_count: number;
  readonly failed_count: number;
  readonly last_archived_age: number | null;
  readonly last_failed_age: number | null;
  readonly failing: boolean;
  readonly ready_files: number | null;
  readonly timeline: number | null;
  readonly start_time: number;
}

/** Archiving is active on a primary with archive_mode on or always, on a standby only with always. */
export function archivingActive(mode: string, inRecovery: boolean): boolean {
  return mode === 'always' || (mode === 'on' && !inRecovery);
}

export function archiveSamples(row: ArchiveRow, inRecovery: boolean, rpoSeconds: number, labels: Labels, out: Sample[]): void {
  const active = archivingActive(row.archive_mode, inRecovery);
  out.push(gauge(M.archivingEnabled, labels, active ? 1 : 0));
  // Only where archiving runs, so the RPO rule compares against targets that archive.
  if (active) out.push(gauge(M.rpo, labels, rpoSeconds));
  out.push(counter(M.archivedCount, labels, row.archived_count));
  out.push(counter(M.failedCount, labels, row.failed_count));
  // Absent until the first archived (or failed) segment since the statistics were reset.
  if (row.last_archived_age !== null) out.push(gauge(M.lastArchiveAge, labels, Math.max(0, row.last_archived_age)));
  if (row.last_failed_age !== null) out.push(gauge(M.lastFailedAge, labels, Math.max(0, row.last_failed_age)));
  out.push(gauge(M.archiveFailing, labels, row.failing ? 1 : 0));
  if (row.ready_files !== null) out.push(gauge(M.archiveReady, labels, row.ready_files));
  out.push(gauge(M.isPrimary, labels, inRecovery ? 0 : 1));
  if (row.timeline !== null) out.push(gauge(M.timeline, labels, row.timeline));
  out.push(gauge(M.startTime, labels, row.start_time));
}
