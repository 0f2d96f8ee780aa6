// `npm run eval:tuning`: the figures of DETECTION.md. Scores the test parts of the tuning data
// (../shared/data/tuning, or --data DIR) and rewrites the figures block of DETECTION.md, the example
// charts and the score-vs-threshold plot in docs/detection/. Takes a few minutes on 2 cores.
//
// Three scoring runs through the real scoring code (scoreInLanes, as `vigil detect` does):
// - the shipped pipeline: the model (--model, default the shipped one) and the stages after it;
// - the online normaliser alone (a model that always predicts 0) with the same stages;
// - the rolling z-score baseline, flagging like the previous pipeline.
// The previous pipeline (today's scorer before issue 12: a flag per point whose calibrated rank is
// ≥ 0.9999, a machine flagged when any metric is) is the shipped run's calibrated rank, which the
// previous Scorer computed identically. The ablations replay the stages (stagePoint, the function the
// Scorer calls) over the shipped run's recorded ranks, with one stage changed. Threshold sweeps
// replay the event logic over the scores before it (host-alarm.ts), as `vigil eval` does.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { detectorOptions, stageOptionsOf } from '../config.ts';
import { newNormalizerState, scaleOf, update } from '../scoring/normalizer.ts';
import { Scorer } from '../scoring/scorer.ts';
import { newStageState, SEASONAL_BINS, stagePoint, type StageOptions, type StageOutput } from '../scoring/stages.ts';
import { progressBar } from '../cli/progress.ts';
import { meanPredictor, RollingZScore } from './baseline.ts';
import type { BatchScorer } from './batch-scorer.ts';
import { groupOf } from './evaluate.ts';
import { addCounts, countEvents, emptyCounts, type EventCounts, figuresOf } from './event-metrics.ts';
import { type AlarmOptions, detectionsOf, eventStarts, HOST_AGREEMENT, HOST_KEEP } from './host-alarm.ts';
import { scoreInLanes } from './lanes.ts';
import { loadCliModel } from './model.ts';
import { chartSvg } from './report-html.ts';
import { Growable } from './scored-file.ts';
import { listSeriesFiles, openSeries, type SeriesSource } from './sources.ts';
import { SYNTHETIC_ANOMALIES, writeSyntheticCorpus } from './synthetic.ts';
import { timeOf } from './time-of.ts';
import { addTally, emptyTally, normalisedScore, type WindowedTally, windowedTally } from './windowed-score.ts';

/** Files scored side by side, as `vigil detect` does. */
const LANES = 64;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Thresholds of the sweeps (the stages' score) and of the previous pipeline (calibrated rank). */
export const THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 0.95, 0.99] as const;
const PREVIOUS_THRESHOLDS = [0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999] as const;
const PREVIOUS_THRESHOLD = 0.9999;
/** Sampling interval (s) of the datasets whose files carry row numbers, not times (SOURCE.md). */
const INTERVAL: Readonly<Record<string, number>> = { smd: 60, asd: 300, jumpstarter_ds2: 300 };
/** Example charts for the docs: [file, series index]. */
const EXAMPLES: ReadonlyArray<readonly [string, number]> = [
  ['ms_cloud_monitoring/ecommerce-api-incoming-rps/api-01.csv', 0],
  ['ms_cloud_monitoring/mongodb-machine-rps/machine-01.csv', 0],
  ['asd/omi-1.npz', 0],
];

/** One file's record of a scoring run. */
interface FileRecord {
  readonly rel: string;
  readonly group: string;
  readonly rows: number;
  readonly labels: Uint8Array;
  /** Per series: the score before the event logic (what sweeps replay). */
  readonly levels: Float32Array[];
  /** Shipped run only: per series the value, calibrated rank (NaN: none), warm flag; per row the time (s). */
  readonly values?: Float32Array[];
  readonly ranks?: Float32Array[];
  readonly tails?: Float32Array[];
  readonly warm?: Uint8Array[];
  readonly times?: Float64Array;
}

interface Acc {
  readonly levels: Growable[];
  readonly values: Growable[];
  readonly ranks: Growable[];
  readonly tails: Growable[];
  readonly warm: Growable[];
  readonly times: number[];
  readonly labels: Growable;
  readonly exported: Growable | undefined;
}

async function scoreRun(
  files: Awaited<ReturnType<typeof listSeriesFiles>>,
  scorer: BatchScorer<unknown>,
  name: string,
  full: boolean,
  totalBytes: number,
): Promise<{ records: FileRecord[]; charts: { title: string; file: string; svg: string }[]; points: number }> {
  const open = new Map<SeriesSource, Acc>();
  const records: FileRecord[] = [];
  const charts: { title: string; file: string; svg: string }[] = [];
  const bar = progressBar(totalBytes, 'bytes');
  let points = 0;
  process.stderr.write(`${name}\n`);
  await scoreInLanes(files, scorer, LANES, {
    async open(file) {
      const source = await openSeries(file);
      const dims = source.columns.length;
      const g = (): Growable[] => Array.from({ length: dims }, () => new Growable());
      const ex = EXAMPLES.some(([rel]) => rel === file.rel);
      open.set(source, {
        levels: g(),
        values: full || ex ? g() : [],
        ranks: full ? g() : [],
        tails: full ? g() : [],
        warm: full ? g() : [],
        times: [],
        labels: new Growable(),
        exported: ex ? new Growable() : undefined,
      });
      return source;
    },
    row(source, row, scores, x) {
      const a = open.get(source)!;
      for (let d = 0; d < a.levels.length; d++) a.levels[d]!.push(x.level[d]!);
      if (a.values.length > 0) for (let d = 0; d < a.values.length; d++) a.values[d]!.push(row.values[d]!);
      if (full) {
        for (let d = 0; d < a.ranks.length; d++) {
          a.ranks[d]!.push(x.rank[d]!);
          a.tails[d]!.push(x.tail[d]!);
          a.warm[d]!.push(x.warm[d]!);
        }
        a.times.push(timeOf(row.timestamp));
      }
      const exIndex = EXAMPLES.find(([rel]) => rel === source.file.rel)?.[1];
      if (a.exported !== undefined && exIndex !== undefined) a.exported.push(scores[exIndex]!);
      a.labels.push(row.label);
      return undefined;
    },
    async done(source, rows) {
      const a = open.get(source)!;
      open.delete(source);
      if (!source.labelled) throw new Error(`${source.file.rel} has no labels`);
      const labels = Uint8Array.from(a.labels.done(), (l) => (l === 1 ? 1 : 0));
      const group = groupOf(source.file.rel);
      let times: Float64Array | undefined;
      if (full) {
        times = Float64Array.from(a.times);
        const step = INTERVAL[group];
        if (step !== undefined) for (let i = 0; i < times.length; i++) times[i] = i * step;
      }
      records.push({
        rel: source.file.rel,
        group,
        rows,
        labels,
        levels: a.levels.map((l) => l.done()),
        ...(full
          ? {
              values: a.values.map((v) => v.done()),
              ranks: a.ranks.map((v) => v.done()),
              tails: a.tails.map((v) => v.done()),
              warm: a.warm.map((v) => Uint8Array.from(v.done())),
              times,
            }
          : {}),
      });
      const ex = EXAMPLES.find(([rel]) => rel === source.file.rel);
      if (ex !== undefined && a.exported !== undefined) {
        const series = {
          name: `${source.file.rel}#${source.columns[ex[1]]}`,
          values: a.values[ex[1]]!.done(),
          scores: a.exported.done(),
          levels: new Float32Array(0),
        };
        const file = `${series.name.replace(/[^a-zA-Z0-9]+/g, '-')}--${name.split(/[ :]/)[0]!.toLowerCase()}.svg`;
        charts.push({ title: `${name}: ${series.name}`, file, svg: chartSvg({ series, labels, threshold: 0, standalone: true }) });
      }
      points += rows * source.columns.length;
      bar.add(source.file.size, rows * source.columns.length);
    },
    async failed(file, err) {
      throw new Error(`${file.rel}: ${(err as Error).message}`);
    },
  });
  bar.stop();
  records.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { records, charts, points };
}

/** Replays the stages with other options over the shipped run's ranks: new levels per series. */
function replay(records: readonly FileRecord[], o: StageOptions): FileRecord[] {
  const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
  const opts = { ...o, threshold: 2 }; // levels only: no events here
  return records.map((r) => ({
    ...r,
    levels: r.values!.map((values, d) => {
      const rank = r.ranks![d]!;
      const tail = r.tails![d]!;
      const warm = r.warm![d]!;
      const lv = new Float32Array(r.rows);
      const st = newStageState(opts);
      const norm = newNormalizerState();
      for (let i = 0; i < r.rows; i++) {
        const x = values[i]!;
        if (!Number.isFinite(x)) {
          lv[i] = 0;
          continue;
        }
        // The Scorer's rule for changes too small to be news on a flat series.
        const news = Math.abs(norm.mean) * o.minRelativeChange;
        const small = norm.count > 0 && Math.abs(x - norm.mean) < news && scaleOf(norm) < news;
        update(norm, x);
        stagePoint(st, opts, x, rank[i]!, tail[i]!, r.times![i]!, warm[i] === 1, out, small);
        lv[i] = Number.isNaN(rank[i]!) ? 0 : out.score;
      }
      return lv;
    }),
  }));
}

/** The previous pipeline's levels: the calibrated rank past warm-up. */
const previousLevels = (records: readonly FileRecord[]): FileRecord[] =>
  records.map((r) => ({ ...r, levels: r.ranks!.map((rank, d) => Float32Array.from(rank, (v, i) => (r.warm![d]![i] === 1 && !Number.isNaN(v) ? v : 0))) }));

interface Outcome {
  readonly counts: Map<string, EventCounts>;
  readonly tallies: Map<string, WindowedTally>;
  /** Per group: series event starts on unlabelled rows, and unlabelled series-rows. */
  readonly falseStarts: Map<string, { starts: number; rows: number }>;
  /** Per group: unlabelled rows of the files (hosts or single series). */
  readonly normalRows: Map<string, number>;
}

const OVERALL = 'overall';

function outcome(records: readonly FileRecord[], o: AlarmOptions, withFalseStarts = false): Outcome {
  const counts = new Map<string, EventCounts>();
  const tallies = new Map<string, WindowedTally>();
  const falseStarts = new Map<string, { starts: number; rows: number }>();
  const normalRows = new Map<string, number>();
  for (const r of records) {
    let normal = 0;
    for (let i = 0; i < r.rows; i++) if (r.labels[i] !== 1) normal++;
    for (const g of [r.group, OVERALL]) normalRows.set(g, (normalRows.get(g) ?? 0) + normal);
    const det = detectionsOf(r.levels, o);
    const c = countEvents(det, r.labels);
    const t = windowedTally(det, r.labels);
    for (const g of [r.group, OVERALL]) {
      const cc = counts.get(g) ?? emptyCounts();
      addCounts(cc, c);
      counts.set(g, cc);
      const tt = tallies.get(g) ?? emptyTally();
      addTally(tt, t);
      tallies.set(g, tt);
    }
    if (withFalseStarts) {
      let starts = 0;
      let rows = 0;
      for (const lv of r.levels) {
        const s = eventStarts(lv, o);
        // A run of flags is one event (the previous pipeline flags every row of a run).
        for (let i = 0; i < r.rows; i++) {
          if (r.labels[i] === 1) continue;
          rows++;
          if (s[i] === 1 && (o.refractory > 0 || i === 0 || s[i - 1] !== 1)) starts++;
        }
      }
      for (const g of [r.group, OVERALL]) {
        const f = falseStarts.get(g) ?? { starts: 0, rows: 0 };
        f.starts += starts;
        f.rows += rows;
        falseStarts.set(g, f);
      }
    }
  }
  return { counts, tallies, falseStarts, normalRows };
}

const n3 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));
const n1 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(1));

interface Method {
  readonly name: string;
  readonly records: FileRecord[];
  readonly alarm: AlarmOptions;
  readonly thresholds: readonly number[];
}

/** Windowed score overall at each threshold. */
function sweep(m: Method): { threshold: number; score: number; f1: number }[] {
  return m.thresholds.map((t) => {
    const o = outcome(m.records, { ...m.alarm, threshold: t });
    return { threshold: t, score: normalisedScore(o.tallies.get(OVERALL)!), f1: figuresOf(o.counts.get(OVERALL)!).f1 };
  });
}

/** An SVG plot of the overall windowed score against the threshold, one line per method. */
function sweepSvg(
  lines: { name: string; points: { threshold: number; score: number }[]; colour: string }[],
  flat: { name: string; score: number; colour: string }[],
): string {
  const W = 640;
  const H = 300;
  const L = 50;
  const B = 40;
  const T = 20;
  const R = 190;
  const x = (t: number): number => L + t * (W - L - R);
  const all = [...lines.flatMap((l) => l.points.map((p) => p.score)), ...flat.map((f) => f.score), 0];
  const lo = Math.floor(Math.min(...all) / 10) * 10;
  const hi = Math.ceil(Math.max(...all, 10) / 10) * 10;
  const y = (s: number): number => T + (1 - (s - lo) / (hi - lo)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  for (let s = lo; s <= hi; s += 10)
    out.push(
      `<line x1="${L}" x2="${W - R}" y1="${y(s).toFixed(1)}" y2="${y(s).toFixed(1)}" stroke="#eee"/><text x="${L - 6}" y="${(y(s) + 4).toFixed(1)}" text-anchor="end" fill="#555">${s}</text>`,
    );
  for (let t = 0; t <= 1.0001; t += 0.1) out.push(`<text x="${x(t).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" fill="#555">${t.toFixed(1)}</text>`);
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" fill="#333">threshold (score after the stages)</text>`);
  out.push(`<text x="14" y="${(T + H - B) / 2}" text-anchor="middle" fill="#333" transform="rotate(-90 14 ${(T + H - B) / 2})">windowed score, overall</text>`);
  let ly = T + 10;
  for (const f of flat) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(f.score).toFixed(1)}" y2="${y(f.score).toFixed(1)}" stroke="${f.colour}" stroke-dasharray="5 4"/>`);
    out.push(
      `<line x1="${W - R + 10}" x2="${W - R + 30}" y1="${ly}" y2="${ly}" stroke="${f.colour}" stroke-dasharray="5 4"/><text x="${W - R + 36}" y="${ly + 4}">${f.name.replace(/[<>&]/g, '')}</text>`,
    );
    ly += 18;
  }
  for (const l of lines) {
    out.push(
      `<polyline fill="none" stroke="${l.colour}" stroke-width="2" points="${l.points.map((p) => `${x(p.threshold).toFixed(1)},${y(p.score).toFixed(1)}`).join(' ')}"/>`,
    );
    out.push(
      `<line x1="${W - R + 10}" x2="${W - R + 30}" y1="${ly}" y2="${ly}" stroke="${l.colour}" stroke-width="2"/><text x="${W - R + 36}" y="${ly + 4}">${l.name.replace(/[<>&]/g, '')}</text>`,
    );
    ly += 18;
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export async function main(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({ args: argv, options: { data: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } } });
  const data = args.data ?? path.join(ROOT, '..', 'shared', 'data', 'tuning');
  const defaults = detectorOptions.parse({});
  const stages = stageOptionsOf(defaults);
  const predictor = await loadCliModel(args.model);
  const files = await listSeriesFiles(data);
  const bytes = files.reduce((a, f) => a + f.size, 0);
  const t0 = performance.now();
  const modelName = `${predictor.info.name} ${predictor.info.version}`;
  const shippedRun = await scoreRun(
    files,
    new Scorer(predictor, defaults.warmup, stages) as BatchScorer<unknown>,
    `${modelName} + stages (shipped)`,
    true,
    bytes,
  );
  const meanRun = await scoreRun(
    files,
    new Scorer(meanPredictor(predictor.window), defaults.warmup, stages) as BatchScorer<unknown>,
    'normaliser alone + stages',
    false,
    bytes,
  );
  const rollRun = await scoreRun(
    files,
    new RollingZScore(predictor.window, defaults.warmup, PREVIOUS_THRESHOLD) as BatchScorer<unknown>,
    `baseline: rolling z-score (W=${predictor.window})`,
    false,
    bytes,
  );
  const seconds = (performance.now() - t0) / 1000;
  // The synthetic corpus (detectors/eval/synthetic.ts): written to a temporary folder, scored once.
  const synthDir = mkdtempSync(path.join(tmpdir(), 'vigil-synthetic-'));
  writeSyntheticCorpus(synthDir);
  const synthFiles = await listSeriesFiles(synthDir);
  const synthRun = await scoreRun(
    synthFiles,
    new Scorer(predictor, defaults.warmup, stages) as BatchScorer<unknown>,
    `${modelName} + stages (synthetic corpus)`,
    true,
    synthFiles.reduce((a, f) => a + f.size, 0),
  );
  rmSync(synthDir, { recursive: true, force: true });
  await predictor.close();
  // Grouped by anomaly kind (`<base>/<kind>-<copy>.csv`).
  const byKind = (records: FileRecord[]): FileRecord[] => records.map((r) => ({ ...r, group: r.rel.split('/')[1]!.split('-')[0]! }));

  const shippedAlarm: AlarmOptions = { threshold: defaults.threshold, refractory: defaults.refractory };
  const previousAlarm: AlarmOptions = { threshold: PREVIOUS_THRESHOLD, refractory: 0, agreement: 1 };
  const shipped: Method = { name: `**shipped**: ${modelName} + stages`, records: shippedRun.records, alarm: shippedAlarm, thresholds: THRESHOLDS };
  const previous: Method = {
    name: `previous pipeline (${modelName}, rank ≥ 0.9999, any metric)`,
    records: previousLevels(shippedRun.records),
    alarm: previousAlarm,
    thresholds: PREVIOUS_THRESHOLDS,
  };
  const previousHost: Method = {
    ...previous,
    name: `previous pipeline, ${HOST_AGREEMENT} metrics agreeing`,
    alarm: { ...previousAlarm, agreement: HOST_AGREEMENT },
  };
  const normaliser: Method = { name: 'normaliser alone + stages', records: meanRun.records, alarm: shippedAlarm, thresholds: THRESHOLDS };
  const rolling: Method = {
    name: `rolling z-score (W=${predictor.window}), rank ≥ 0.9999, any metric`,
    records: rollRun.records,
    alarm: previousAlarm,
    thresholds: PREVIOUS_THRESHOLDS,
  };
  const replayed = (name: string, o: Partial<StageOptions>, alarm: Partial<AlarmOptions> = {}): Method => ({
    name,
    records: replay(shippedRun.records, { ...stages, ...o }),
    alarm: { ...shippedAlarm, ...alarm },
    thresholds: THRESHOLDS,
  });
  process.stderr.write('ablations (replaying the stages)\n');
  const ablations: Method[] = [
    replayed('shipped, replayed (check: equals the shipped row)', {}),
    replayed('without the likelihood (score = sparse raw score)', { likelihood: false }),
    replayed('without sparsity (raw = rank, power 1)', { power: 1 }),
    replayed('without the range check', { rangeTolerance: 0 }),
    replayed("without the level check (the second round's stages)", { driftSigmas: 0 }),
    replayed('level check at 2.5 σ', { driftSigmas: 2.5 }),
    replayed('level check at 3.5 σ', { driftSigmas: 3.5 }),
    replayed('level check, long half-life 512 points', { driftLongHalfLife: 512 }),
    replayed('level check, short half-life 4 points', { driftShortHalfLife: 4 }),
    replayed('with the seasonal context', { seasonalBins: SEASONAL_BINS }),
    replayed('without the flat-series rule', { minRelativeChange: 0 }),
    replayed('without the tail gate (round 4)', { tailQuantile: 0 }),
    replayed('tail gate from 10^-2.5 to 10^-3.5', { tailFrom: 2.5, tailTo: 3.5 }),
    replayed('tail gate from 10^-4 to 10^-5', { tailFrom: 4, tailTo: 5 }),
    replayed('sparse power 300 (the third round)', { power: 300 }),
    replayed('without the robust deviation check (round 4)', { robustSigmas: 0 }),
    replayed('without the flatline check (round 4)', { flatlineLog10: 0 }),
    replayed('without the range tolerance floor (round 4)', { rangeScaleFloor: 0 }),
    replayed("the third round's stages (power 300, no tail gate, robust, flatline checks or range floor, level warm-up 200)", {
      power: 300,
      tailQuantile: 0,
      robustSigmas: 0,
      flatlineLog10: 0,
      rangeScaleFloor: 0,
      driftWarmup: 200,
    }),
    { ...shipped, name: 'without the refractory period (1 row)', alarm: { ...shippedAlarm, refractory: 1 } },
    { ...shipped, name: 'without host agreement (any metric alarms)', alarm: { ...shippedAlarm, agreement: 1 } },
    { ...shipped, name: 'host agreement of 2 metrics', alarm: { ...shippedAlarm, agreement: 2 } },
    { ...shipped, name: 'host agreement of 3 metrics', alarm: { ...shippedAlarm, agreement: 3 } },
    { ...shipped, name: 'host agreement of 5 metrics', alarm: { ...shippedAlarm, agreement: 5 } },
    { ...shipped, name: 'host alarm not kept firing (the first round)', alarm: { ...shippedAlarm, keep: 0 } },
    { ...shipped, name: 'host alarm kept firing 90 rows', alarm: { ...shippedAlarm, keep: 90 } },
    replayed("range tolerance 0.4 (the first round's default)", { rangeTolerance: 0.4 }),
    { ...shipped, name: 'refractory 15 rows', alarm: { ...shippedAlarm, refractory: 15 } },
    { ...shipped, name: "refractory 90 rows (the first round's default)", alarm: { ...shippedAlarm, refractory: 90 } },
    { ...shipped, name: 'refractory 180 rows', alarm: { ...shippedAlarm, refractory: 180 } },
  ];
  const main4 = [shipped, previous, previousHost, normaliser, rolling];

  const lines: string[] = [];
  const best = new Map<Method, { threshold: number; score: number; f1: number }>();
  for (const m of [...main4, ...ablations]) {
    const s = sweep(m);
    best.set(
      m,
      s.reduce((a, b) => (b.score > a.score ? b : a)),
    );
  }
  const at = new Map<Method, Outcome>();
  for (const m of [...main4, ...ablations]) at.set(m, outcome(m.records, m.alarm, main4.includes(m)));
  const groups = [...at.get(shipped)!.counts.keys()].filter((g) => g !== OVERALL).sort();

  lines.push(`Model: \`${predictor.info.name}\` version \`${predictor.info.version}\`, sha256 \`${predictor.info.sha256}\`, window ${predictor.window}.`);
  lines.push(
    `Data: ${files.length} files, test parts only, ${shippedRun.points.toLocaleString('en')} points per scoring run, three runs in ${seconds.toFixed(0)} s. ` +
      `Shipped defaults: threshold ${defaults.threshold}, refractory ${defaults.refractory} rows, a machine alarms when ${HOST_AGREEMENT} metrics start events within ${30} rows and keeps alarming ${HOST_KEEP} rows after that last held.`,
  );
  lines.push('', '### Overall', '');
  lines.push(
    '| method | windowed score at its default | best single threshold: windowed score | event F1 (P / R) at default | false events | found / windows |',
    '|---|---|---|---|---|---|',
  );
  for (const m of main4) {
    const o = at.get(m)!;
    const c = o.counts.get(OVERALL)!;
    const f = figuresOf(c);
    const b = best.get(m)!;
    lines.push(
      `| ${m.name} (τ ${m.alarm.threshold}) | **${n1(normalisedScore(o.tallies.get(OVERALL)!))}** | ${b.threshold}: ${n1(b.score)} (F1 ${n3(b.f1)}) | ${n3(f.f1)} (${n3(f.precision)} / ${n3(f.recall)}) | ${c.falseEvents} | ${c.found} / ${c.windows} |`,
    );
  }
  lines.push('', "### Per dataset (at each method's default threshold)", '');
  lines.push(
    '| dataset | method | windowed score | event F1 | precision | recall | found / windows | false events | false alarms per 8,640 normal rows (a host or a series) | series false events per 8,640 normal points |',
    '|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const g of [...groups, OVERALL]) {
    for (const m of main4) {
      const o = at.get(m)!;
      const c = o.counts.get(g)!;
      const f = figuresOf(c);
      const fs = o.falseStarts.get(g)!;
      lines.push(
        `| ${g} | ${m.name} | **${n1(normalisedScore(o.tallies.get(g)!))}** | ${n3(f.f1)} | ${n3(f.precision)} | ${n3(f.recall)} | ${c.found} / ${c.windows} | ${c.falseEvents} | ${((8640 * c.falseEvents) / Math.max(1, o.normalRows.get(g)!)).toFixed(2)} | ${(fs.rows === 0 ? 0 : (8640 * fs.starts) / fs.rows).toFixed(2)} |`,
      );
    }
  }
  lines.push('', '### Ablation (overall and per dataset; windowed score / event F1 at the default threshold; best single threshold)', '');
  lines.push(`| variant | ${groups.join(' | ')} | overall | best threshold: windowed score |`, `|---|${groups.map(() => '---').join('|')}|---|---|`);
  for (const m of [shipped, ...ablations]) {
    const o = at.get(m)!;
    const cell = (g: string): string => `${n1(normalisedScore(o.tallies.get(g)!))} / ${n3(figuresOf(o.counts.get(g)!).f1)}`;
    lines.push(`| ${m.name} | ${groups.map(cell).join(' | ')} | **${cell(OVERALL)}** | ${best.get(m)!.threshold}: ${n1(best.get(m)!.score)} |`);
  }
  lines.push('', '### Synthetic corpus', '');
  const synth: Method[] = [
    { ...shipped, records: byKind(synthRun.records) },
    { ...previous, records: byKind(previousLevels(synthRun.records)) },
    {
      ...shipped,
      name: "the third round's stages (replayed)",
      records: byKind(
        replay(synthRun.records, { ...stages, power: 300, tailQuantile: 0, robustSigmas: 0, flatlineLog10: 0, rangeScaleFloor: 0, driftWarmup: 200 }),
      ),
    },
  ];
  const kinds = [...SYNTHETIC_ANOMALIES, 'none'];
  lines.push(
    `${synthRun.records.length} univariate series built by detectors/eval/synthetic.ts (seed 1; no outside data): seven kinds of normal behaviour (noise, daily and weekly waves, a random walk, heavy tails, low counts, a periodic job's sawtooth) × the anomaly kinds below, two series each, 4,000 points at 5 minutes, one or two anomalies per series after row 900. Cells: windowed score / found / windows / false events, at each method's default threshold; last column: series false events per 8,640 normal points.`,
    '',
    `| method | ${kinds.join(' | ')} | overall | false events per 8,640 normal points |`,
    `|---|${kinds.map(() => '---').join('|')}|---|---|`,
  );
  for (const m of synth) {
    const o = outcome(m.records, m.alarm, true);
    const cell = (g: string): string => {
      const c = o.counts.get(g)!;
      return `${c.windows === 0 ? '–' : n1(normalisedScore(o.tallies.get(g)!))} / ${c.found} / ${c.windows} / ${c.falseEvents}`;
    };
    const fs = o.falseStarts.get(OVERALL)!;
    lines.push(`| ${m.name} | ${kinds.map(cell).join(' | ')} | **${cell(OVERALL)}** | ${((8640 * fs.starts) / Math.max(1, fs.rows)).toFixed(2)} |`);
  }
  lines.push('', '### Windowed score and event F1 by threshold, overall', '');
  lines.push(`| threshold | ${[shipped, normaliser].map((m) => m.name).join(' | ')} |`, '|---|---|---|');
  const ss = sweep(shipped);
  const sn = sweep(normaliser);
  for (const [i, t] of THRESHOLDS.entries()) lines.push(`| ${t} | ${n1(ss[i]!.score)} / ${n3(ss[i]!.f1)} | ${n1(sn[i]!.score)} / ${n3(sn[i]!.f1)} |`);
  lines.push('', `| rank threshold | ${[previous, rolling].map((m) => m.name).join(' | ')} |`, '|---|---|---|');
  const sp = sweep(previous);
  const sr = sweep(rolling);
  for (const [i, t] of PREVIOUS_THRESHOLDS.entries()) lines.push(`| ${t} | ${n1(sp[i]!.score)} / ${n3(sp[i]!.f1)} | ${n1(sr[i]!.score)} / ${n3(sr[i]!.f1)} |`);
  lines.push('', '![windowed score against the threshold](docs/detection/windowed-score.svg)');
  const figures = lines.join('\n');
  process.stdout.write(figures + '\n');

  const docDir = path.join(ROOT, 'docs', 'detection');
  mkdirSync(docDir, { recursive: true });
  writeFileSync(
    path.join(docDir, 'windowed-score.svg'),
    sweepSvg(
      [
        { name: 'shipped', points: ss, colour: '#1f6fb5' },
        { name: 'normaliser alone + stages', points: sn, colour: '#e08a1e' },
      ],
      [
        { name: `previous, best (${best.get(previous)!.threshold})`, score: best.get(previous)!.score, colour: '#888' },
        { name: `rolling z, best (${best.get(rolling)!.threshold})`, score: best.get(rolling)!.score, colour: '#b33' },
      ],
    ),
  );
  const charts = [...shippedRun.charts, ...meanRun.charts].sort((a, b) => (a.file < b.file ? -1 : 1));
  for (const c of charts) writeFileSync(path.join(docDir, c.file), c.svg);
  writeFileSync(
    path.join(docDir, 'examples.md'),
    `# Example charts (written by npm run eval:tuning)\n\nValues on top, the exported score below (after the event logic: held below the threshold during a refractory period); shaded: labelled windows.\n\n${charts.map((c) => `#### ${c.title}\n\n![${c.title}](${c.file})`).join('\n\n')}\n`,
  );
  const target = args.out ?? path.join(ROOT, 'DETECTION.md');
  const doc = readFileSync(target, 'utf8');
  const begin = '<!-- figures:begin -->';
  const end = '<!-- figures:end -->';
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${target} has no ${begin} … ${end} block`);
  writeFileSync(target, `${doc.slice(0, a + begin.length)}\n${figures}\n${doc.slice(b)}`);
  process.stderr.write(`wrote ${target} and ${docDir}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
