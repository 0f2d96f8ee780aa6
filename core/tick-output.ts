// What one tick hands to the sinks: the snapshot (collected samples plus the detector's and the rule
// engine's own series) and the structured events some sinks stream as such (Kafka, Alertmanager).
import type { Labels } from './samples.ts';
import type { Snapshot } from './snapshot.ts';

/** The detector's verdict on one monitored series in one tick. */
export interface AnomalyScore {
  /** The monitored series' name, e.g. "node_cpu_busy_ratio" (the `metric` label of vigil_anomaly_score). */
  readonly metric: string;
  /** The series' own labels (without `metric`). */
  readonly labels: Labels;
  /** The value the detector saw this tick. */
  readonly value: number;
  /** Anomaly score in [0,1], as exported in vigil_anomaly_score (after the event logic). */
  readonly score: number;
  /** The series is in an anomaly event (vigil_anomaly 1). */
  readonly anomalous: boolean;
}

/** Prometheus' alert states; "inactive" with resolvedAt set is a resolved alert. */
export type AlertState = 'pending' | 'firing' | 'inactive';

/** One alert instance of one alerting rule, as Prometheus' rule manager holds it. */
export interface Alert {
  /** Every label, `alertname` included, after the rule's labels and external labels are applied. */
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly state: AlertState;
  /** ms since epoch: when the condition first held (pending began). */
  readonly activeAt: number;
  /** ms since epoch: when it became firing, if it did. */
  readonly firedAt?: number;
  /** ms since epoch: when it resolved, if it did. */
  readonly resolvedAt?: number;
  /** The expression's value at the last evaluation where it held. */
  readonly value: number;
  /** generatorURL for Alertmanager. */
  readonly generatorURL: string;
}

export interface AlertTransition {
  readonly alert: Alert;
  readonly from: AlertState;
  readonly to: AlertState;
  /** ms since epoch. */
  readonly at: number;
}

export interface TickOutput {
  readonly snapshot: Snapshot;
  readonly anomalies: readonly AnomalyScore[];
  /** Every alert the engine holds now (pending, firing, and resolved ones still being re-sent). */
  readonly alerts: readonly Alert[];
  /** State changes in this tick. */
  readonly alertTransitions: readonly AlertTransition[];
}

/** A tick output with no detector or alert events (tests, and ticks where those stages are off). */
export const tickOf = (snapshot: Snapshot): TickOutput => ({ snapshot, anomalies: [], alerts: [], alertTransitions: [] });
