// Scores many files at once the way the daemon scores many series: every step takes the next row of
// each open file and scores all their series in ONE Scorer.step (batch = series), so a directory of
// small files costs one model run per row index, not one per file and row. Each file keeps its own
// states (files are independent series); a file that ends or fails leaves its lane to the next file.
import type { Row } from './csv-rows.ts';
import type { StepResult } from '../scoring/scorer.ts';
import { type BatchScorer, fillRow, newExtras, type RowExtras } from './batch-scorer.ts';
import { timeOf } from './time-of.ts';
import type { SeriesFile, SeriesSource } from './sources.ts';

/** What the caller does with one file: open it, take its scored rows, finish or clean up. */
export interface LaneHandler {
  open(file: SeriesFile): Promise<SeriesSource>;
  /** Scores of the row per series (0 in warm-up and at gaps); may return a promise to apply backpressure. */
  row(source: SeriesSource, row: Row, scores: Float64Array, extras: RowExtras): Promise<void> | undefined;
  done(source: SeriesSource, rows: number): Promise<void>;
  failed(file: SeriesFile, err: unknown, source: SeriesSource | undefined): Promise<void>;
}

interface Lane<S> {
  readonly source: SeriesSource;
  readonly rows: AsyncIterator<Row>;
  readonly states: S[];
  readonly scores: Float64Array;
  readonly extras: RowExtras;
  count: number;
  /** The row pulled for this step (undefined once the file ended). */
  current: Row | undefined;
}

/** Runs every file through the scorer, `width` files at a time. */
export async function scoreInLanes<S>(files: readonly SeriesFile[], scorer: BatchScorer<S>, width: number, h: LaneHandler): Promise<void> {
  const lanes: Lane<S>[] = [];
  let next = 0;
  const fill = async (): Promise<void> => {
    while (lanes.length < width && next < files.length) {
      const file = files[next++]!;
      let source: SeriesSource | undefined;
      try {
        source = await h.open(file);
        const dims = source.columns.length;
        lanes.push({
          source,
          rows: source.rows()[Symbol.asyncIterator](),
          states: Array.from({ length: dims }, () => scorer.newState()),
          scores: new Float64Array(dims),
          extras: newExtras(dims),
          count: 0,
          current: undefined,
        });
      } catch (e) {
        await h.failed(file, e, source);
      }
    }
  };
  const states: S[] = [];
  let values = new Float64Array(0);
  let times = new Float64Array(0);
  for (;;) {
    await fill();
    if (lanes.length === 0) return;
    // Pull one row from every lane; lanes whose file ended or failed are closed.
    for (let i = lanes.length - 1; i >= 0; i--) {
      const lane = lanes[i]!;
      try {
        const r = await lane.rows.next();
        lane.current = r.done === true ? undefined : r.value;
      } catch (e) {
        lanes.splice(i, 1);
        await h.failed(lane.source.file, e, lane.source);
        continue;
      }
      if (lane.current === undefined) {
        lanes.splice(i, 1);
        await h.done(lane.source, lane.count);
      }
    }
    if (lanes.length === 0) continue;
    states.length = 0;
    let n = 0;
    for (const lane of lanes) n += lane.states.length;
    if (values.length < n) {
      values = new Float64Array(n);
      times = new Float64Array(n);
    }
    let k = 0;
    for (const lane of lanes) {
      const t = timeOf(lane.current!.timestamp);
      for (let d = 0; d < lane.states.length; d++) {
        states.push(lane.states[d]!);
        times[k] = t;
        values[k++] = lane.current!.values[d]!;
      }
    }
    const result: StepResult = await scorer.step(states, values, n, times);
    k = 0;
    const waits: Promise<void>[] = [];
    for (const lane of lanes) {
      fillRow(result, k, lane.states.length, lane.scores, lane.extras);
      k += lane.states.length;
      lane.count++;
      const w = h.row(lane.source, lane.current!, lane.scores, lane.extras);
      if (w !== undefined) waits.push(w);
    }
    if (waits.length > 0) await Promise.all(waits);
  }
}
