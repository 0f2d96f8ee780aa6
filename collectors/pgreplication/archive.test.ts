// The archiving and identity samples of one tick, from pg_stat_archiver-shaped rows.
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/samples.ts';
import { type ArchiveRow, archiveSamples, archivingActive } from './archive.ts';

const ROW: ArchiveRow = {
  archive_mode: 'on',
  archived_count: 10,
  failed_count: 2,
  last_archived_age: 30,
  last_failed_age: 90,
  failing: false,
  ready_files: 0,
  timeline: 1,
  start_time: 1_700_000_000,
};
const L = { target: 't' };
const get = (out: Sample[], name: string) => out.find((s) => s.name === name);

describe('archiveSamples', () => {
  it('archiving is active on a primary with on/always, on a standby only with always', () => {
    expect(archivingActive('on', false)).toBe(true);
    expect(archivingActive('on', true)).toBe(false);
    expect(archivingActive('always', true)).toBe(true);
    expect(archivingActive('off', false)).toBe(false);
  });

  it('a primary that archives: counts, ages, the RPO and its identity', () => {
    const out: Sample[] = [];
    archiveSamples(ROW, false, 900, L, out);
    expect(get(out, 'vigil_pg_archiving_enabled')!.value).toBe(1);
    expect(get(out, 'vigil_pg_archive_archived_total')).toMatchObject({ value: 10, kind: 'counter' });
    expect(get(out, 'vigil_pg_archive_failed_total')!.value).toBe(2);
    expect(get(out, 'pg_stat_archiver_last_archive_age')!.value).toBe(30);
    expect(get(out, 'vigil_pg_archive_last_failed_age_seconds')!.value).toBe(90);
    expect(get(out, 'vigil_pg_archive_rpo_seconds')!.value).toBe(900);
    expect(get(out, 'vigil_pg_is_primary')!.value).toBe(1);
    expect(get(out, 'vigil_pg_timeline_id')!.value).toBe(1);
    expect(get(out, 'pg_postmaster_start_time_seconds')!.value).toBe(1_700_000_000);
  });

  it('a standby with archive_mode=on, never archived, role without pg_ls_archive_statusdir: no RPO, no ages, no ready count', () => {
    const out: Sample[] = [];
    archiveSamples({ ...ROW, archived_count: 0, failed_count: 0, last_archived_age: null, last_failed_age: null, ready_files: null }, true, 900, L, out);
    expect(get(out, 'vigil_pg_archiving_enabled')!.value).toBe(0);
    expect(get(out, 'vigil_pg_is_primary')!.value).toBe(0);
    for (const n of [
      'vigil_pg_archive_rpo_seconds',
      'pg_stat_archiver_last_archive_age',
      'vigil_pg_archive_last_failed_age_seconds',
      'vigil_pg_archive_ready_files',
    ])
      expect(get(out, n), n).toBeUndefined();
  });
});
