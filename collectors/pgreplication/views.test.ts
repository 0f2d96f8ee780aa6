// The pure halves of the replica and primary views: rows in, samples out.
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/samples.ts';
import { valueOf } from '../testing.ts';
import { M } from './metrics.ts';
import { LabelCache, type SlotRow, type StandbyRow, primarySamples } from './primary.ts';
import { type ReplicaMemory, type RoleRow, replicaSamples } from './replica.ts';

const T = { target: 'db' };
const replicaRow = (over: Partial<RoleRow>): RoleRow => ({
  in_recovery: true,
  server_now: 1000,
  lag: 0,
  replay_age: 30,
  receive_replay_bytes: 0,
  receiver_status: 'streaming',
  last_msg_receipt: 999.5,
  ...over,
});

describe('replica view', () => {
  it('on a primary: role and the compatible lag only', () => {
    const out: Sample[] = [];
    replicaSamples(replicaRow({ in_recovery: false, replay_age: null, receive_replay_bytes: null, receiver_status: null, last_msg_receipt: null }), T, {}, out);
    expect(out.map((s) => [s.name, s.value])).toEqual([
      [M.isReplica, 0],
      [M.lag, 0],
    ]);
  });

  it('remembers the last message time when the WAL receiver is gone, so the age keeps growing', () => {
    const memory: ReplicaMemory = {};
    const a: Sample[] = [];
    replicaSamples(replicaRow({}), T, memory, a);
    expect(valueOf(a, M.receiverUp, T)).toBe(1);
    expect(valueOf(a, M.receiverMessageAge, T)).toBe(0.5);
    const b: Sample[] = [];
    replicaSamples(replicaRow({ server_now: 1010, receiver_status: null, last_msg_receipt: null }), T, memory, b);
    expect(valueOf(b, M.receiverUp, T)).toBe(0);
    expect(valueOf(b, M.receiverMessageAge, T)).toBe(10.5);
    expect(valueOf(b, M.lag, T)).toBe(0); // the idle rule: postgres_exporter's lag does not see it
  });

  it('leaves out the replay age before the first replayed transaction', () => {
    const out: Sample[] = [];
    replicaSamples(replicaRow({ replay_age: null, lag: null, last_msg_receipt: null }), T, {}, out);
    expect(out.some((s) => s.name === M.replayAge || s.name === M.lag || s.name === M.receiverMessageAge)).toBe(false);
  });
});

const standby = (over: Partial<StandbyRow>): StandbyRow => ({
  application_name: 'walreceiver',
  client_addr: '10.0.0.2',
  state: 'streaming',
  slot_name: 'replica1',
  write_lag: null,
  flush_lag: 0.002,
  replay_lag: 1.5,
  sent_bytes: 0,
  write_bytes: 10,
  flush_bytes: 20,
  replay_bytes: 300,
  ...over,
});
const slot = (over: Partial<SlotRow>): SlotRow => ({
  slot_name: 'replica1',
  slot_type: 'physical',
  active: true,
  wal_status: 'reserved',
  safe_wal_size: null,
  retained_bytes: 300,
  ...over,
});

describe('primary view', () => {
  it('reports per-standby lags, counts, and slots with a wal_status state set', () => {
    const out: Sample[] = [];
    const dup = primarySamples([standby({})], [slot({ active: false, wal_status: 'extended', safe_wal_size: 1024 })], new LabelCache('db'), 2, out);
    expect(dup).toBe(0);
    const L = { target: 'db', application_name: 'walreceiver', client_addr: '10.0.0.2', state: 'streaming', slot_name: 'replica1' };
    expect(valueOf(out, M.writeLag, L)).toBe(0);
    expect(valueOf(out, M.replayLag, L)).toBe(1.5);
    expect(valueOf(out, M.replayBytes, L)).toBe(300);
    expect(valueOf(out, M.exporterLsnDiff, L)).toBe(300);
    expect(valueOf(out, M.standbysConnected, T)).toBe(1);
    expect(valueOf(out, M.standbysExpected, T)).toBe(2);
    const S = { target: 'db', slot_name: 'replica1', slot_type: 'physical' };
    expect(valueOf(out, M.slotActive, S)).toBe(0);
    expect(valueOf(out, M.slotSafeWal, S)).toBe(1024);
    expect(valueOf(out, M.slotWalStatus, { ...S, wal_status: 'extended' })).toBe(1);
    expect(valueOf(out, M.slotWalStatus, { ...S, wal_status: 'reserved' })).toBe(0);
  });

  it('skips a standby whose label set repeats another (no duplicate series) and leaves out expected when not configured', () => {
    const out: Sample[] = [];
    expect(primarySamples([standby({ slot_name: '' }), standby({ slot_name: '' })], [], new LabelCache('db'), undefined, out)).toBe(1);
    expect(out.filter((s) => s.name === M.replayBytes)).toHaveLength(1);
    expect(valueOf(out, M.standbysConnected, T)).toBe(2);
    expect(out.some((s) => s.name === M.standbysExpected)).toBe(false);
  });
});
