// Scores every input file and counts events against the labels: the core of `vigil eval` and of the
// tuning-data evaluation behind DETECTION.md (which compares the model with the baseline).
import path from 'node:path';
import { ErrorCode } from '../../core/errors.ts';
import type { BatchScorer } from './batch-scorer.ts';
import { addCounts, countEvents, emptyCounts, type EventCounts } from './event-metrics.ts';
import { InputError } from './input-error.ts';
import { type LabelledWindow, rowLabels } from './labels-file.ts';
import { flagsOf, scoreFile, type ScoredFile } from './scored-file.ts';
import type { AlarmOptions } from './host-alarm.ts';
import { windowedTally, type WindowedTally } from './windowed-score.ts';
import { openSeries, type SeriesFile } from './sources.ts';

/** Where the labels come from: inside the data, or a labels file's windows per relative path. */
export type LabelSource = { kind: 'embedded' } | { kind: 'file'; windows: ReadonlyMap<string, readonly LabelledWindow[]> };

export interface EvaluatedFile {
  readonly file: ScoredFile;
  readonly labels: Uint8Array;
}

/** The labels of a scored file, or an error when the data has none and no labels file names it. */
function labelsOf(file: ScoredFile, source: LabelSource): Uint8Array {
  if (source.kind === 'file') return rowLabels(file.timestamps, source.windows.get(file.rel) ?? []);
  if (file.labels === undefined)
    throw new InputError(
      ErrorCode.LABELS_INVALID,
      file.rel,
      'this file has no labels (no label column, test_label array or test_label/ file); pass a labels file',
    );
  return file.labels;
}

/** Scores one file and attaches its labels. */
export async function evaluateFile<S>(f: SeriesFile, scorer: BatchScorer<S>, labels: LabelSource): Promise<EvaluatedFile> {
  const file = await scoreFile(await openSeries(f), scorer);
  return { file, labels: labelsOf(file, labels) };
}

/** Event-level counts and the windowed early-detection tally of a file's detections. */
export function countsAt(e: EvaluatedFile, o: AlarmOptions): { counts: EventCounts; tally: WindowedTally } {
  const det = flagsOf(e.file, o);
  return { counts: countEvents(det, e.labels), tally: windowedTally(det, e.labels) };
}

/** The dataset a file belongs to: its first folder under the input (or "." for files at the top). */
export const groupOf = (rel: string): string => (rel.includes(path.sep) ? rel.split(path.sep)[0]! : '.');

/** Counts summed per group and overall. */
export function aggregate(per: ReadonlyArray<{ rel: string; counts: EventCounts }>): { groups: Map<string, EventCounts>; overall: EventCounts } {
  const groups = new Map<string, EventCounts>();
  const overall = emptyCounts();
  for (const { rel, counts } of per) {
    const g = groupOf(rel);
    const into = groups.get(g) ?? emptyCounts();
    addCounts(into, counts);
    groups.set(g, into);
    addCounts(overall, counts);
  }
  return { groups, overall };
}
