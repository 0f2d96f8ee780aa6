// What `vigil detect`/`vigil eval` drive: the daemon's Scorer, or (for comparison in eval) a baseline
// with the same calibration and warm-up. One step = one row of every series of a file.
import type { Row } from './csv-rows.ts';
import type { StepResult } from '../scoring/scorer.ts';
import type { SeriesSource } from './sources.ts';

export interface BatchScorer<S> {
  newState(): S;
  step(states: readonly S[], values: ArrayLike<number>, n?: number): Promise<StepResult>;
}

/**
 * Streams a source's rows through the scorer. `onRow` gets each row with the score written out per
 * series: the calibrated score, or 0 for rows in warm-up and gaps (no score exists for those).
 * Returns the number of rows.
 */
export async function scoreSource<S>(source: SeriesSource, scorer: BatchScorer<S>, onRow: (row: Row, scores: Float64Array) => Promise<void> | undefined | void): Promise<number> {
  const dims = source.columns.length;
  const states = Array.from({ length: dims }, () => scorer.newState());
  const out = new Float64Array(dims);
  let rows = 0;
  for await (const row of source.rows()) {
    const { scores, warm } = await scorer.step(states, row.values, dims);
    for (let d = 0; d < dims; d++) out[d] = warm[d] === 1 && !Number.isNaN(scores[d]!) ? scores[d]! : 0;
    const wait = onRow(row, out);
    if (wait !== undefined) await wait;
    rows++;
  }
  return rows;
}
