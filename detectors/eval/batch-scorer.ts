// What `vigil detect`/`vigil eval` drive: the daemon's Scorer, or (for comparison in eval) a baseline
// with the same calibration and warm-up. One step = one row of every series of a file.
import type { Row } from './csv-rows.ts';
import type { StepResult } from '../scoring/scorer.ts';
import type { SeriesSource } from './sources.ts';
import { timeOf } from './time-of.ts';

export interface BatchScorer<S> {
  newState(): S;
  step(states: readonly S[], values: ArrayLike<number>, n?: number, times?: ArrayLike<number>): Promise<StepResult>;
}

/** Per series of a row, besides the exported score: what `vigil detect` writes and eval replays. */
export interface RowExtras {
  /** Sparse raw score (0 in warm-up and at gaps). */
  readonly raw: Float64Array;
  /** 1 while the series is in an event. */
  readonly anomaly: Uint8Array;
  /** Score before the event logic (0 in warm-up and at gaps). */
  readonly level: Float64Array;
  /** Calibrated rank of the error (NaN where the point got none, also in warm-up). */
  readonly rank: Float64Array;
  /** Tail probability of the error (NaN where the point got none). */
  readonly tail: Float64Array;
  /** 1 when the series was past warm-up. */
  readonly warm: Uint8Array;
}

export const newExtras = (dims: number): RowExtras => ({
  raw: new Float64Array(dims),
  anomaly: new Uint8Array(dims),
  level: new Float64Array(dims),
  rank: new Float64Array(dims),
  tail: new Float64Array(dims),
  warm: new Uint8Array(dims),
});

/** Copies series k..k+dims of a step result into a row's outputs (0 where there is no score). */
export function fillRow(r: StepResult, k: number, dims: number, scores: Float64Array, x: RowExtras): void {
  for (let d = 0; d < dims; d++, k++) {
    const ok = r.warm[k] === 1 && !Number.isNaN(r.scores[k]!);
    scores[d] = ok ? r.scores[k]! : 0;
    x.raw[d] = ok ? r.raw[k]! : 0;
    x.level[d] = ok ? r.level[k]! : 0;
    x.anomaly[d] = r.anomaly[k]!;
    x.rank[d] = r.rank[k]!;
    x.tail[d] = r.tail[k]!;
    x.warm[d] = r.warm[k]!;
  }
}

/**
 * Streams a source's rows through the scorer. `onRow` gets each row with the score written out per
 * series: the final score, or 0 for rows in warm-up and gaps (no score exists for those).
 * Returns the number of rows.
 */
export async function scoreSource<S>(
  source: SeriesSource,
  scorer: BatchScorer<S>,
  onRow: (row: Row, scores: Float64Array, extras: RowExtras) => Promise<void> | undefined | void,
): Promise<number> {
  const dims = source.columns.length;
  const states = Array.from({ length: dims }, () => scorer.newState());
  const out = new Float64Array(dims);
  const extras = newExtras(dims);
  const times = new Float64Array(dims);
  let rows = 0;
  for await (const row of source.rows()) {
    times.fill(timeOf(row.timestamp));
    const r = await scorer.step(states, row.values, dims, times);
    fillRow(r, 0, dims, out, extras);
    const wait = onRow(row, out, extras);
    if (wait !== undefined) await wait;
    rows++;
  }
  return rows;
}
