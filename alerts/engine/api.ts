// The contract of the PromQL-subset engine (alerts/engine/) with the rule manager (alerts/rules/).
// The engine parses with the official grammar (@prometheus-io/lezer-promql) and evaluates over the
// agent's own recent history, with Prometheus' semantics (lookback delta 5m, extrapolated rate, …).
import type { Labels } from '../../collectors/collector.ts';

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
  evaluate(history: HistoryReader, atMs: number): QueryValue;
}

/** Read access to stored samples, as the evaluator needs it. */
export interface HistoryReader {
  /** Series with this metric name (labels include __name__), with their points in time order. */
  seriesOf(metricName: string): Iterable<{ readonly labels: Labels; readonly times: ArrayLike<number>; readonly values: ArrayLike<number>; readonly length: number }>;
}
