// What the rule manager needs from the PromQL engine (alerts/engine/): compile an expression, and a
// history store that keeps what the rules read, survives restarts, and answers the evaluator.
import type { Snapshot } from '../../core/snapshot.ts';
import type { NameSelector, RecordingHistory } from '../engine/api.ts';
import type { Compile } from './load-rules.ts';
import { type MetricSpec, type Sample } from '../../core/samples.ts';

export interface RuleHistory extends RecordingHistory {
  append(snapshot: Snapshot): void;
  /** Crash-safe write of the stored points. */
  save(file: string): Promise<void>;
  /** Reads a saved history; false when there was none. Throws on a corrupt file. */
  load(file: string): Promise<boolean>;
  /** Its own figures (series, points, what its caps dropped), as samples of `RuleEngine.historyMetrics`. */
  samples(): Sample[];
}

export interface RuleEngine {
  readonly compile: Compile;
  /**
   * A history keeping, per metric name, the given span (ms) before the newest point; the names in
   * `recordedNames` are written by recording rules only, never from snapshots; every name a name
   * selector accepts is kept for that selector's span.
   */
  createHistory(retentionByMetric: ReadonlyMap<string, number>, recordedNames: ReadonlySet<string>, nameSelectors?: readonly NameSelector[]): RuleHistory;
  /** The families of `RuleHistory.samples()`. */
  readonly historyMetrics: readonly MetricSpec[];
}
