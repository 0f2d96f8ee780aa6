// How `vigil eval` turns per-series scores into detections, as an operator is paged:
// - each series runs the event logic (threshold, refractory period) on its score before the event
//   logic (`level`), so a threshold sweep needs no new scoring run;
// - a file with several series (a machine: .npz, headerless CSV) is one host: it alarms when at
//   least HOST_AGREEMENT of its series (all of them when it has fewer) started an event within the
//   last HOST_WINDOW rows, as the shipped HostAnomalyDetected rule does (4 series within 5 minutes at
//   a 10 s tick); once alarming it stays alarming for HOST_KEEP rows after the agreement last held
//   (the rule's keep_firing_for: 5m), so one incident whose series agree, drift apart and agree again
//   is one page; a single series' event pages nobody;
// - a detection is the row where an alarm starts.
// The previous pipeline (no event logic) is replayed with `refractory: 0`: every row at or above the
// threshold is flagged, a host alarms while HOST_AGREEMENT series are flagged on the same row.
import { DEFAULT_STAGE_OPTIONS, eventPoint, newStageState, type StageOutput } from '../scoring/stages.ts';
import { alarmStarts } from './windowed-score.ts';

/** Series of a host that must agree. */
export const HOST_AGREEMENT = 4;
/** Rows (ticks) within which their events must start: 5 minutes at 10 s. */
const HOST_WINDOW = 30;
/** Rows (ticks) a host alarm keeps firing after its agreement last held: 5 minutes at 10 s. */
export const HOST_KEEP = 30;

export interface AlarmOptions {
  readonly threshold: number;
  /** Refractory period in rows; 0 = the previous pipeline (a flag per row at or above the threshold). */
  readonly refractory: number;
  readonly agreement?: number;
  readonly window?: number;
  /** Rows the host alarm keeps firing after the agreement last held (default HOST_KEEP; the previous pipeline: 0). */
  readonly keep?: number;
}

/** Rows where a series starts an event (levels: the score before the event logic; NaN = no score). */
export function eventStarts(levels: Float32Array, o: AlarmOptions): Uint8Array {
  const out = new Uint8Array(levels.length);
  if (o.refractory <= 0) {
    for (let i = 0; i < levels.length; i++) out[i] = levels[i]! >= o.threshold ? 1 : 0;
    return out;
  }
  const opts = { ...DEFAULT_STAGE_OPTIONS, threshold: o.threshold, refractory: o.refractory, seasonalBins: 0 };
  const st = newStageState(opts);
  const r: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
  for (let i = 0; i < levels.length; i++) {
    const v = levels[i]!;
    if (Number.isNaN(v)) continue;
    eventPoint(st, opts, v, r);
    out[i] = r.started;
  }
  return out;
}

/** Host alarm per row (1 while alarming) from its series' levels. */
export function hostAlarm(series: readonly Float32Array[], o: AlarmOptions): Uint8Array {
  const rows = series[0]?.length ?? 0;
  const need = Math.min(o.agreement ?? HOST_AGREEMENT, series.length);
  const H = o.refractory <= 0 ? 1 : (o.window ?? HOST_WINDOW);
  const count = new Uint16Array(rows);
  for (const s of series) {
    const starts = eventStarts(s, o);
    for (let i = 0; i < rows; i++) {
      if (starts[i] !== 1) continue;
      for (let j = i; j < Math.min(rows, i + H); j++) count[j] = count[j]! + 1;
    }
  }
  const alarm = new Uint8Array(rows);
  // A single series (need 1) alarms on its own events: no keep (its refractory period does that).
  const keep = o.refractory <= 0 || series.length < 2 ? 0 : (o.keep ?? HOST_KEEP);
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows; i++) {
    if (need > 0 && count[i]! >= need) last = i;
    alarm[i] = i - last <= keep ? 1 : 0;
  }
  return alarm;
}

/** Detections (alarm starts) of a host or single series. */
export const detectionsOf = (series: readonly Float32Array[], o: AlarmOptions): Uint8Array => alarmStarts(hostAlarm(series, o));
