// A file scored for evaluation: every series' values and scores, kept in memory (the evaluation and
// the charts need the whole run), plus the row labels found in the data itself, if any.
import type { BatchScorer } from './batch-scorer.ts';
import { scoreSource } from './batch-scorer.ts';
import type { SeriesSource } from './sources.ts';
import { type AlarmOptions, detectionsOf } from './host-alarm.ts';

export interface ScoredSeries {
  /** The file's relative path, plus `#column` for multi-series files. */
  readonly name: string;
  readonly values: Float32Array;
  /** Final scores (as exported); 0 in warm-up and at gaps. */
  readonly scores: Float32Array;
  /** Scores before the event logic (what a threshold sweep replays); 0 in warm-up and at gaps. */
  readonly levels: Float32Array;
}

export interface ScoredFile {
  readonly rel: string;
  readonly rows: number;
  readonly series: ScoredSeries[];
  /** The row's timestamp as written (row numbers when the file has none). */
  readonly timestamps: string[];
  /** Row labels from the data (label column, test_label), or undefined. */
  readonly labels: Uint8Array | undefined;
}

/** A Float32Array that grows (for series of unknown length). */
export class Growable {
  data = new Float32Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  done(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

export async function scoreFile<S>(source: SeriesSource, scorer: BatchScorer<S>): Promise<ScoredFile> {
  const dims = source.columns.length;
  const values = Array.from({ length: dims }, () => new Growable());
  const scores = Array.from({ length: dims }, () => new Growable());
  const levels = Array.from({ length: dims }, () => new Growable());
  const labels = new Growable();
  const timestamps: string[] = [];
  const rows = await scoreSource(source, scorer, (row, s, x) => {
    for (let d = 0; d < dims; d++) {
      values[d]!.push(row.values[d]!);
      scores[d]!.push(s[d]!);
      levels[d]!.push(x.level[d]!);
    }
    labels.push(row.label);
    timestamps.push(row.timestamp);
  });
  const multi = dims > 1 || source.file.rel.endsWith('.npz');
  return {
    rel: source.file.rel,
    rows,
    series: source.columns.map((c, d) => ({
      name: multi ? `${source.file.rel}#${c}` : source.file.rel,
      values: values[d]!.done(),
      scores: scores[d]!.done(),
      levels: levels[d]!.done(),
    })),
    timestamps,
    labels: source.labelled ? Uint8Array.from(labels.done(), (l) => (l === 1 ? 1 : 0)) : undefined,
  };
}

/** Detections (alarm starts, see host-alarm.ts) at a threshold and refractory period. */
export const flagsOf = (file: ScoredFile, o: AlarmOptions): Uint8Array =>
  detectionsOf(
    file.series.map((s) => s.levels),
    o,
  );
