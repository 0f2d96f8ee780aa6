// Research harness over the cache written by dump.ts: runs the stages after the model with many
// settings in seconds. Not shipped.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { newNormalizerState, scaleOf, update } from '../../scoring/normalizer.ts';
import { calibratedScore, learnError, newCalibrationState, tailProbability } from '../../scoring/calibrator.ts';
import { DEFAULT_STAGE_OPTIONS, eventPoint, newStageState, stagePoint, type StageOptions, type StageOutput } from '../../scoring/stages.ts';
import { addCounts, countEvents, emptyCounts, type EventCounts, figuresOf } from '../event-metrics.ts';
import { addTally, alarmStarts, emptyTally, normalisedScore, type WindowedTally, windowedTally } from '../windowed-score.ts';
import { HOST_KEEP } from '../host-alarm.ts';

export interface Series {
  values: Float32Array;
  rank: Float32Array; // NaN: no rank
  tail: Float32Array; // tail probability of the error (NaN: none)
  err: Float32Array; // the prediction error behind the rank (NaN: none)
  small: Uint8Array;
  warm: Uint8Array;
}
export interface CachedFile {
  rel: string;
  group: string;
  rows: number;
  dims: number;
  ts: Float64Array;
  labels: Uint8Array;
  series: Series[];
}

const SMALL = Number(process.env.SMALL ?? 0.02);
const WARM = Number(process.env.WARM ?? 100);
const INTERVAL: Record<string, number> = { smd: 60, asd: 300, jumpstarter_ds2: 300 };

export function loadCache(dir: string, method: string): CachedFile[] {
  const out: CachedFile[] = [];
  for (const d of readdirSync(dir).sort()) {
    const p = path.join(dir, d);
    let meta;
    try {
      meta = JSON.parse(readFileSync(path.join(p, 'meta.json'), 'utf8')) as { rel: string; rows: number; dims: number };
    } catch {
      continue;
    }
    const f32 = (n: string): Float32Array => {
      const b = readFileSync(path.join(p, n));
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    };
    const tsb = readFileSync(path.join(p, 'ts.f64'));
    let ts = new Float64Array(tsb.buffer.slice(tsb.byteOffset, tsb.byteOffset + tsb.byteLength));
    const group = meta.rel.split('/')[0]!;
    const step = INTERVAL[group];
    if (step !== undefined) ts = ts.map((_, i) => i * step);
    const labels = new Uint8Array(readFileSync(path.join(p, 'labels.u8')));
    const vals = f32('values.f32');
    const combo = method === 'max' || method === 'avg' || method === 'min';
    const err = f32(`err_${combo ? 'lstm' : method}.f32`);
    const err2 = combo ? f32('err_mean.f32') : undefined;
    const { rows, dims } = meta;
    const series: Series[] = [];
    for (let d = 0; d < dims; d++) {
      const values = new Float32Array(rows);
      const rank = new Float32Array(rows);
      const tail = new Float32Array(rows).fill(Number.NaN);
      const errs = new Float32Array(rows);
      const warm = new Uint8Array(rows);
      const smalls = new Uint8Array(rows);
      const norm = newNormalizerState();
      const cal = newCalibrationState();
      const cal2 = newCalibrationState();
      for (let i = 0; i < rows; i++) {
        values[i] = vals[i * dims + d]!;
        const x = values[i]!;
        const level = Math.abs(norm.mean) * SMALL;
        const small = norm.count > 0 && Math.abs(x - norm.mean) < level && scaleOf(norm) < level;
        if (Number.isFinite(x)) update(norm, x);
        smalls[i] = small ? 1 : 0;
        const e = err[i * dims + d]!;
        errs[i] = e;
        if (Number.isNaN(e)) {
          rank[i] = Number.NaN;
          continue;
        }
        warm[i] = cal.count >= WARM ? 1 : 0;
        rank[i] = calibratedScore(cal, e);
        tail[i] = tailProbability(cal, e, DEFAULT_STAGE_OPTIONS.tailQuantile);
        learnError(cal, e);
        if (err2 !== undefined) {
          const e2 = err2[i * dims + d]!;
          const r2 = Number.isNaN(e2) ? 0 : calibratedScore(cal2, e2);
          learnError(cal2, e2);
          rank[i] = method === 'max' ? Math.max(rank[i]!, r2) : method === 'min' ? Math.min(rank[i]!, r2) : (rank[i]! + r2) / 2;
        }
      }
      series.push({ values, rank, tail, err: errs, warm, small: smalls });
    }
    out.push({ rel: meta.rel, group, rows, dims, ts, labels, series });
  }
  return out;
}

/** Per series pre-event scores for stage options (threshold unused here). */
export function scoresOf(f: CachedFile, o: StageOptions, useStages = true, full = false): Float32Array[] {
  const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
  const oo = full ? o : { ...o, threshold: 2 };
  return f.series.map((s) => {
    const sc = new Float32Array(f.rows).fill(Number.NaN);
    const st = newStageState(oo);
    for (let i = 0; i < f.rows; i++) {
      const x = s.values[i]!;
      if (!Number.isFinite(x)) continue;
      if (!useStages) {
        sc[i] = s.warm[i] === 1 && !Number.isNaN(s.rank[i]!) ? s.rank[i]! : 0;
        continue;
      }
      stagePoint(st, oo, x, s.rank[i]!, s.tail[i]!, f.ts[i]!, s.warm[i] === 1, out, s.small[i] === 1);
      sc[i] = full ? out.started : out.score;
    }
    return sc;
  });
}

export interface Result {
  groups: Map<string, { ev: EventCounts; win: WindowedTally; normalRows: number; normalFalse: number }>;
}

/**
 * Event logic at threshold τ, refractory R (0 = old pipeline: a flag per point ≥ τ, a run is one
 * alarm), host agreement: N series with an event start within the last H points, kept K points.
 */
export function evaluate(files: readonly CachedFile[], scores: readonly Float32Array[][], tau: number, R: number, N: number, H = 30, K = HOST_KEEP): Result {
  const groups: Result['groups'] = new Map();
  const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
  const o = { ...DEFAULT_STAGE_OPTIONS, threshold: tau, refractory: R };
  for (const [k, f] of files.entries()) {
    const count = new Uint16Array(f.rows);
    for (const sc of scores[k]!) {
      const st = newStageState({ ...o, seasonalBins: 0 });
      for (let i = 0; i < f.rows; i++) {
        const v = sc[i]!;
        if (Number.isNaN(v)) continue;
        if (R < 0) {
          // Full pipeline: the scores are event starts.
          if (v === 1) for (let j = i; j < Math.min(f.rows, i + H); j++) count[j] = count[j]! + 1;
          continue;
        }
        if (R === 0) {
          if (v >= tau) count[i] = count[i]! + 1;
          continue;
        }
        eventPoint(st, o, v, out);
        if (out.started === 1) for (let j = i; j < Math.min(f.rows, i + H); j++) count[j] = count[j]! + 1;
      }
    }
    const alarm = new Uint8Array(f.rows);
    const need = Math.min(N, f.dims);
    // As host-alarm.ts: a host alarm keeps firing HOST_KEEP rows after its agreement last held.
    const keep = R === 0 || f.dims < 2 ? 0 : K;
    let last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < f.rows; i++) {
      if (count[i]! >= need) last = i;
      alarm[i] = i - last <= keep ? 1 : 0;
    }
    const det = alarmStarts(alarm);
    const g = groups.get(f.group) ?? { ev: emptyCounts(), win: emptyTally(), normalRows: 0, normalFalse: 0 };
    addCounts(g.ev, countEvents(det, f.labels));
    addTally(g.win, windowedTally(det, f.labels));
    groups.set(f.group, g);
  }
  return { groups };
}

export function summary(r: Result): Record<string, { win: number; f1: number; p: number; r: number; fe: number; found: number }> {
  const o: Record<string, { win: number; f1: number; p: number; r: number; fe: number; found: number }> = {};
  const allEv = emptyCounts();
  const allWin = emptyTally();
  for (const [g, v] of [...r.groups.entries()].sort()) {
    const f = figuresOf(v.ev);
    o[g] = { win: normalisedScore(v.win), f1: f.f1, p: f.precision, r: f.recall, fe: v.ev.falseEvents, found: v.ev.found };
    addCounts(allEv, v.ev);
    addTally(allWin, v.win);
  }
  const f = figuresOf(allEv);
  o.overall = { win: normalisedScore(allWin), f1: f.f1, p: f.precision, r: f.recall, fe: allEv.falseEvents, found: allEv.found };
  return o;
}

export const fmt = (s: ReturnType<typeof summary>): string =>
  Object.entries(s)
    .map(([g, v]) => `${g.slice(0, 6)}: W ${v.win.toFixed(1)} F1 ${v.f1.toFixed(3)} P ${v.p.toFixed(2)} R ${v.r.toFixed(2)} fe ${v.fe}`)
    .join(' | ');
