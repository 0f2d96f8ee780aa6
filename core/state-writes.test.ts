import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateWriteRecord, stateWrites } from './state-writes.ts';
import { writeFileAtomic } from './write-file-atomic.ts';

const values = (r: StateWriteRecord) => Object.fromEntries(r.samples().map((s) => [`${s.name}{${s.labels.file}}`, s.value]));

describe('state write record', () => {
  it('counts failures per file and keeps the last success, the start until the first one', () => {
    const r = new StateWriteRecord();
    r.setStart(1_000_000);
    r.record('detector', false, 1_005_000);
    r.record('alert_state', true, 1_010_000);
    r.record('detector', false, 1_020_000);
    expect(values(r)).toEqual({
      'vigil_state_write_failures_total{detector}': 2,
      'vigil_state_last_write_success_timestamp_seconds{detector}': 1000,
      'vigil_state_write_failures_total{alert_state}': 0,
      'vigil_state_last_write_success_timestamp_seconds{alert_state}': 1010,
    });
  });

  it('is fed by writeFileAtomic for the writes that name their state file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-state-writes-'));
    try {
      await writeFileAtomic(path.join(dir, 'ok.json'), '{}', { stateFile: 'test_ok' });
      await writeFileAtomic(path.join(dir, 'sub', 'x'), 'x');
      await expect(writeFileAtomic(path.join(dir, 'sub'), 'x', { stateFile: 'test_fail' })).rejects.toThrow();
      const v = values(stateWrites);
      expect(v['vigil_state_write_failures_total{test_ok}']).toBe(0);
      expect(v['vigil_state_last_write_success_timestamp_seconds{test_ok}']).toBeGreaterThan(Date.now() / 1000 - 60);
      expect(v['vigil_state_write_failures_total{test_fail}']).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
