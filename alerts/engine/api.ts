// The contract of the PromQL-subset engine (alerts/engine/) with the rule manager (alerts/rules/).
// The engine parses with the official grammar (@prometheus-io/lezer-promql) and evaluates over the
// agent's own recent history, with Prometheus 2.42's semantics (lookback delta 5m, extrapolated rate, …).
import type { Labels } from '../../core/samples.ts';

/** One series of an instant vector; labels include `__name__` unless a function dropped it. */
export interface VectorSample {
  readonly labels: Labels;
  readonly value: number;
}

export type QueryValue =
  | { readonly kind: 'vector'; readonly samples: readonly VectorSample[] }
  | { readonly kind: 'scalar'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string };

/** Where a problem is in the expression text (0-based offsets into the expr string). */
export interface ExprError {
  readonly message: string;
  readonly from: number;
  readonly to: number;
}

export interface CompiledExpr {
  readonly text: string;
  /** How much history (ms) before the evaluation time the expression reads: longest range + offset + lookback. */
  readonly lookbackMs: number;
  /** Metric names the expression selects (so that history keeps only what rules need). */
  readonly metricNames: readonly string[];
  /** Per metric name, how much history (ms) this expression reads of it (the max over its selectors). */
  readonly lookbackByMetric: ReadonlyMap<string, number>;
  /**
   * Selectors that choose metric names by other matchers (`{__name__=~"node_.*"}`, `{job="x"}`): the
   * history must keep every name `matches` accepts, for `lookbackMs`.
   */
  readonly nameSelectors: readonly NameSelector[];
  /**
   * Evaluates at `atMs` (ms since the epoch). Throws `EvaluationError` (./errors.ts) where Prometheus
   * fails the query at run time (many-to-many matching, duplicate label sets, …).
   */
  evaluate(history: HistoryReader, atMs: number): QueryValue;
}

/**
 * One stored series. Points are `times[first + i]`, `values[first + i]` for i in [0, length), in time
 * order. A staleness marker (the series vanished from a collection, as Prometheus writes one when a
 * scrape lacks a series) is a point whose `staleMarkers[first + i]` is non-zero: instant selectors
 * see nothing from it on, range selectors skip it.
 */
export interface SeriesView {
  readonly labels: Labels;
  readonly times: ArrayLike<number>;
  readonly values: ArrayLike<number>;
  readonly length: number;
  /** Index of the first point in the arrays (default 0), so ring-like stores need not copy. */
  readonly first?: number;
  readonly staleMarkers?: ArrayLike<number>;
}

export interface NameSelector {
  matches(metricName: string): boolean;
  readonly lookbackMs: number;
}

/** Read access to stored samples, as the evaluator needs it. */
export interface HistoryReader {
  /** Series with this metric name (labels include __name__), with their points in time order. */
  seriesOf(metricName: string): Iterable<SeriesView>;
  /** The metric names stored (for selectors without a fixed name). */
  metricNames(): Iterable<string>;
}

/**
 * A history that recording rules write into: each rule's result series are stored at the evaluation
 * time like scraped ones, and a series the rule returned at its previous evaluation but not at this
 * one gets a staleness marker (as Prometheus' rule group writes one).
 */
export interface RecordingHistory extends HistoryReader {
  /**
   * `owner` identifies the rule; `samples` carry `__name__`. `adoptName`: series of this name restored
   * from a saved history (whose owner is not known) are taken over by this rule.
   */
  appendRecorded(owner: string, atMs: number, samples: readonly VectorSample[], adoptName?: string): void;
}

/** How far back an instant selector looks for a sample (Prometheus' --query.lookback-delta default). */
export const LOOKBACK_DELTA_MS = 5 * 60_000;
