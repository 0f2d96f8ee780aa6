// The outcome of every state-file write, per state file, for vigil_state_write_failures_total and
// vigil_state_last_write_success_timestamp_seconds: a full or read-only state directory shows as a
// metric (and VigilStateNotPersisted) instead of only a log line. One record per process, like the
// process metrics: state files are written from several stages, and each write names its file.
import { counter, gauge, type MetricSpec, type Sample } from './samples.ts';

export const STATE_WRITE_METRICS: readonly MetricSpec[] = [
  { name: 'vigil_state_write_failures_total', help: 'Writes of a state file (in stateDir) that failed.', kind: 'counter', labels: ['file'] },
  {
    name: 'vigil_state_last_write_success_timestamp_seconds',
    help: 'When a state file was last written successfully (Unix time; the agent start until the first success).',
    kind: 'gauge',
    labels: ['file'],
  },
];

interface FileRecord {
  readonly labels: { readonly file: string };
  failures: number;
  lastSuccessMs: number;
}

export class StateWriteRecord {
  private readonly files = new Map<string, FileRecord>();
  private startedAtMs = Date.now();

  /** The time a file that never succeeded reports as its last success (the agent's start). */
  setStart(ms: number): void {
    this.startedAtMs = ms;
  }

  record(file: string, ok: boolean, nowMs = Date.now()): void {
    let r = this.files.get(file);
    if (r === undefined) {
      r = { labels: Object.freeze({ file }), failures: 0, lastSuccessMs: this.startedAtMs };
      this.files.set(file, r);
    }
    if (ok) r.lastSuccessMs = nowMs;
    else r.failures++;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const r of this.files.values()) {
      out.push(counter('vigil_state_write_failures_total', r.labels, r.failures));
      out.push(gauge('vigil_state_last_write_success_timestamp_seconds', r.labels, r.lastSuccessMs / 1000));
    }
    return out;
  }
}

/** The process's one record; writeFileAtomic reports to it when a write names its state file. */
export const stateWrites = new StateWriteRecord();
