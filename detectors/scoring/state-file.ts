// The detector's memory across restarts: every tracked series' normaliser, window, calibration,
// the state of the stages after the model (likelihood, range, seasonal profile, refractory period)
// and recent raw history, in <stateDir>/detector/state.json. A file of the previous format
// (vigil-detector-state/1, before the stages existed) is migrated: its series keep normaliser, window
// and calibration, and their stages start fresh; one of vigil-detector-state/2 (before the level
// check) keeps its stages too, and the level check starts fresh; one of vigil-detector-state/3 (before
// the robust deviation and flatline checks) keeps its stages, and those two checks start fresh. Written crash-safe (temp file, fsync,
// rename, fsync of the directory): a crash leaves the old file or the new one, never half of one.
// Float arrays are stored as base64 of their bytes: exact, and 3× smaller than JSON numbers.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/write-file-atomic.ts';
import path from 'node:path';
import type { Labels } from '../../core/samples.ts';
import { CALIBRATION_BINS } from './calibrator.ts';
import type { SeriesState } from './series-state.ts';
import { newStageState, type StageOptions, type StageState } from './stages.ts';

const FORMAT = 'vigil-detector-state/4';
/** The format before the stages after the model: migrated on load (stages start fresh). */
const FORMAT_1 = 'vigil-detector-state/1';
/** The format before the level check: migrated on load (the level check starts fresh). */
const FORMAT_2 = 'vigil-detector-state/2';
/** The format before the robust deviation and flatline checks: migrated on load (those start fresh). */
const FORMAT_3 = 'vigil-detector-state/3';

/** A tracked series as persisted. */
export interface PersistedSeries {
  readonly key: string;
  readonly metric: string;
  readonly labels: Labels;
  /** ms since epoch of the last tick that had a value for it (the stalest are dropped first). */
  readonly lastSeen: number;
  readonly state: SeriesState;
  /** Recent raw values, oldest first (the retraining history). */
  readonly history: Float32Array;
}

interface SeriesJson {
  key: string;
  metric: string;
  labels: Record<string, string>;
  lastSeen: number;
  norm: { mean: number; variance: number; count: number };
  /** Normalised values, oldest first (base64 float32). */
  window: string;
  calibration: { bins: string; total: number; weight: number; count: number };
  history: string;
  /** Absent in the previous format. Non-finite numbers are written as null. */
  stages?: StagesJson;
}

interface StagesJson {
  short: string;
  shortHead: number;
  shortFilled: number;
  shortSum: number;
  longMean: number;
  longVar: number;
  longCount: number;
  refMin: number | null;
  refMax: number | null;
  rangeCount: number;
  rangeRun: number;
  profile: string;
  today: string;
  profileDay: number | null;
  /** Absent before vigil-detector-state/3. */
  drift?: { short: number; long: number; variance: number; count: number };
  /** Absent before vigil-detector-state/4. */
  robust?: { level: number; scale: number; count: number; run?: number };
  /** Absent before vigil-detector-state/4. */
  flatline?: { previous: number | null; run: number; rate: number; count: number };
  refractoryLeft: number;
  events: number;
  active: number;
  lastTime: number | null;
}

const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
const orNaN = (x: unknown, what: string): number => (x === null ? Number.NaN : finite(x, what));

function stagesToJson(t: StageState): StagesJson {
  return {
    short: b64(t.short),
    shortHead: t.shortHead,
    shortFilled: t.shortFilled,
    shortSum: t.shortSum,
    longMean: t.longMean,
    longVar: t.longVar,
    longCount: t.longCount,
    refMin: orNull(t.refMin),
    refMax: orNull(t.refMax),
    rangeCount: t.rangeCount,
    rangeRun: t.rangeRun,
    profile: b64(t.profile),
    today: b64(t.today),
    profileDay: orNull(t.profileDay),
    drift: { short: t.driftShort, long: t.driftLong, variance: t.driftVar, count: t.driftCount },
    robust: { level: t.robustLevel, scale: t.robustScale, count: t.robustCount, run: t.robustRun },
    flatline: { previous: orNull(t.flatPrev), run: t.flatRun, rate: t.flatRate, count: t.flatCount },
    refractoryLeft: t.refractoryLeft,
    events: t.events,
    active: t.active,
    lastTime: orNull(t.lastTime),
  };
}

/** The stages' state, or a fresh one when absent or saved with other sizes (options changed). */
function stagesFromJson(j: StagesJson | undefined, o: StageOptions): StageState {
  const fresh = newStageState(o);
  if (j === undefined) return fresh;
  const short = f32(j.short);
  const profile = f32(j.profile);
  const today = f32(j.today);
  if (short.length !== fresh.short.length || profile.length !== fresh.profile.length || today.length !== fresh.today.length) return fresh;
  const count = (x: unknown, what: string, max: number): number => {
    const v = finite(x, what);
    if (v < 0 || v > max || !Number.isInteger(v)) throw new Error(`${what} is out of range`);
    return v;
  };
  fresh.short.set(short);
  fresh.profile.set(profile);
  fresh.today.set(today);
  fresh.shortHead = count(j.shortHead, 'stages.shortHead', short.length - 1);
  fresh.shortFilled = count(j.shortFilled, 'stages.shortFilled', short.length);
  fresh.shortSum = finite(j.shortSum, 'stages.shortSum');
  fresh.longMean = finite(j.longMean, 'stages.longMean');
  fresh.longVar = finite(j.longVar, 'stages.longVar');
  fresh.longCount = finite(j.longCount, 'stages.longCount');
  fresh.refMin = orNaN(j.refMin, 'stages.refMin');
  fresh.refMax = orNaN(j.refMax, 'stages.refMax');
  fresh.rangeCount = finite(j.rangeCount, 'stages.rangeCount');
  fresh.rangeRun = finite(j.rangeRun, 'stages.rangeRun');
  fresh.profileDay = orNaN(j.profileDay, 'stages.profileDay');
  if (j.drift !== undefined) {
    fresh.driftShort = finite(j.drift.short, 'stages.drift.short');
    fresh.driftLong = finite(j.drift.long, 'stages.drift.long');
    fresh.driftVar = finite(j.drift.variance, 'stages.drift.variance');
    fresh.driftCount = finite(j.drift.count, 'stages.drift.count');
    if (fresh.driftVar < 0 || fresh.driftCount < 0) throw new Error('stages.drift is out of range');
  }
  if (j.robust !== undefined) {
    fresh.robustLevel = finite(j.robust.level, 'stages.robust.level');
    fresh.robustScale = finite(j.robust.scale, 'stages.robust.scale');
    fresh.robustCount = finite(j.robust.count, 'stages.robust.count');
    fresh.robustRun = j.robust.run === undefined ? 0 : finite(j.robust.run, 'stages.robust.run');
    if (fresh.robustScale < 0 || fresh.robustCount < 0) throw new Error('stages.robust is out of range');
  }
  if (j.flatline !== undefined) {
    fresh.flatPrev = orNaN(j.flatline.previous, 'stages.flatline.previous');
    fresh.flatRun = finite(j.flatline.run, 'stages.flatline.run');
    fresh.flatRate = finite(j.flatline.rate, 'stages.flatline.rate');
    fresh.flatCount = finite(j.flatline.count, 'stages.flatline.count');
    if (fresh.flatRun < 0 || fresh.flatCount < 0 || fresh.flatRate < 0 || fresh.flatRate > 1) throw new Error('stages.flatline is out of range');
  }
  fresh.refractoryLeft = count(j.refractoryLeft, 'stages.refractoryLeft', 1e9);
  fresh.events = finite(j.events, 'stages.events');
  fresh.active = count(j.active, 'stages.active', 1);
  fresh.lastTime = orNaN(j.lastTime, 'stages.lastTime');
  return fresh;
}

interface StateJson {
  format: string;
  window: number;
  savedAt: number;
  series: SeriesJson[];
}

const b64 = (a: Float32Array | Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function f32(s: unknown): Float32Array {
  if (typeof s !== 'string') throw new Error('expected base64 float32 data');
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength % 4 !== 0) throw new Error('float32 data of a bad length');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

function f64(s: unknown, n: number): Float64Array {
  if (typeof s !== 'string') throw new Error('expected base64 float64 data');
  const buf = Buffer.from(s, 'base64');
  if (buf.byteLength !== n * 8) throw new Error('float64 data of a bad length');
  const out = new Float64Array(n);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

const finite = (x: unknown, what: string): number => {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new Error(`${what} is not a finite number`);
  return x;
};

function toJson(p: PersistedSeries): SeriesJson {
  const s = p.state;
  const W = s.window.length;
  const ordered = new Float32Array(s.filled);
  // Oldest first: when full the oldest is at head, otherwise at 0.
  const start = s.filled === W ? s.head : 0;
  for (let i = 0; i < s.filled; i++) ordered[i] = s.window[(start + i) % W]!;
  return {
    key: p.key,
    metric: p.metric,
    labels: { ...p.labels },
    lastSeen: p.lastSeen,
    norm: { mean: s.norm.mean, variance: s.norm.variance, count: s.norm.count },
    window: b64(ordered),
    calibration: { bins: b64(s.calibration.bins), total: s.calibration.total, weight: s.calibration.weight, count: s.calibration.count },
    history: b64(p.history),
    stages: stagesToJson(s.stages),
  };
}

function fromJson(j: SeriesJson, window: number, o: StageOptions): PersistedSeries {
  if (typeof j.key !== 'string' || typeof j.metric !== 'string' || typeof j.labels !== 'object' || j.labels === null)
    throw new Error('series without key, metric or labels');
  const ordered = f32(j.window);
  if (ordered.length > window) throw new Error(`series ${j.key}: window longer than ${window}`);
  const w = new Float32Array(window);
  w.set(ordered);
  const state: SeriesState = {
    norm: { mean: finite(j.norm?.mean, 'norm.mean'), variance: finite(j.norm?.variance, 'norm.variance'), count: finite(j.norm?.count, 'norm.count') },
    window: w,
    head: ordered.length === window ? 0 : ordered.length,
    filled: ordered.length,
    calibration: {
      bins: f64(j.calibration?.bins, CALIBRATION_BINS),
      total: finite(j.calibration?.total, 'calibration.total'),
      weight: finite(j.calibration?.weight, 'calibration.weight'),
      count: finite(j.calibration?.count, 'calibration.count'),
    },
    stages: stagesFromJson(j.stages, o),
  };
  for (const [k, v] of Object.entries(j.labels)) if (typeof v !== 'string') throw new Error(`series ${j.key}: label ${k} is not a string`);
  return { key: j.key, metric: j.metric, labels: j.labels, lastSeen: finite(j.lastSeen, 'lastSeen'), state, history: f32(j.history) };
}

export const stateFilePath = (stateDir: string): string => path.join(stateDir, 'detector', 'state.json');

/** Writes the state crash-safe. */
export async function saveState(file: string, window: number, series: readonly PersistedSeries[], now: number): Promise<void> {
  const body: StateJson = { format: FORMAT, window, savedAt: now, series: series.map(toJson) };
  await writeFileAtomic(file, JSON.stringify(body), { stateFile: 'detector' });
}

/** `migrated`: the file was of an earlier format, named (the caller logs it once). */
export type LoadResult =
  | { ok: true; series: PersistedSeries[]; migrated: false | typeof FORMAT_1 | typeof FORMAT_2 | typeof FORMAT_3 }
  | { ok: false; reason: string; missing: boolean };

/** Reads the state; a missing file is not an error, a corrupt one is (the caller logs it and starts fresh). */
export async function loadState(file: string, window: number, stages: StageOptions): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, missing: code === 'ENOENT', reason: `cannot be read (${code ?? 'error'})` };
  }
  try {
    const j = JSON.parse(text) as Partial<StateJson>;
    const migrated = j.format === FORMAT_1 ? FORMAT_1 : j.format === FORMAT_2 ? FORMAT_2 : j.format === FORMAT_3 ? FORMAT_3 : false;
    if (j.format !== FORMAT && migrated === false) return { ok: false, missing: false, reason: `unknown format ${JSON.stringify(j.format)}` };
    if (j.window !== window) return { ok: false, missing: false, reason: `saved for a model window of ${j.window}, the model has ${window}` };
    if (!Array.isArray(j.series)) return { ok: false, missing: false, reason: 'no series list' };
    return { ok: true, series: j.series.map((s) => fromJson(migrated === FORMAT_1 ? { ...s, stages: undefined } : s, window, stages)), migrated };
  } catch (e) {
    return { ok: false, missing: false, reason: (e as Error).message.split('\n')[0]! };
  }
}
