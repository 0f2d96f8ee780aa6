// `vigil eval --input PATH --labels FILE [--report DIR] [--model FILE]`: scores the input exactly as
// `vigil detect` does, then prints the windowed early-detection score (windowed-score.ts),
// event-level precision, recall and F1, point-adjusted F1 (marked as inflated) and mean time to
// detect, per file, per top-level folder and overall; then the windowed score at the best single
// threshold. Detections are alarm starts, a machine (multi-series file) alarming on agreement
// (host-alarm.ts). With --report, writes DIR/index.html with one chart per series. Labels: see
// detectors/eval/labels-file.ts.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatUserError, type UserError } from '../../core/errors.ts';
import { detectorOptions, stageOptionsOf } from '../config.ts';
import { aggregate, countsAt, evaluateFile, groupOf, type LabelSource } from '../eval/evaluate.ts';
import { type EventCounts, figuresOf } from '../eval/event-metrics.ts';
import { addTally, emptyTally, normalisedScore, type WindowedTally } from '../eval/windowed-score.ts';
import type { EvaluatedFile } from '../eval/evaluate.ts';
import { readLabelsFile } from '../eval/labels-file.ts';
import { loadCliModel } from '../eval/model.ts';
import { type ChartInput, chartSvg, reportHtml, type ReportRow } from '../eval/report-html.ts';
import { listSeriesFiles } from '../eval/sources.ts';
import type { Predictor } from '../predictor.ts';
import { Scorer } from '../scoring/scorer.ts';
import { progressBar } from './progress.ts';

const EXIT_INVALID = 2;

const isUserError = (e: unknown): e is Error & UserError =>
  e instanceof Error && typeof (e as Partial<UserError>).code === 'string' && typeof (e as Partial<UserError>).where === 'string';

/** Embedded labels when --labels is the input itself or a directory; otherwise a labels file. */
async function labelSource(labels: string, input: string): Promise<LabelSource> {
  if (path.resolve(labels) === path.resolve(input)) return { kind: 'embedded' };
  const st = await stat(labels).catch(() => undefined);
  if (st?.isDirectory()) return { kind: 'embedded' };
  return { kind: 'file', windows: await readLabelsFile(labels) };
}

const num = (x: number, digits = 3): string => (Number.isNaN(x) ? '–' : x.toFixed(digits));

/** Thresholds tried for the best single threshold of the windowed score. */
export const SWEEP = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99] as const;

export function tableLines(rows: ReadonlyArray<{ name: string; counts: EventCounts; tally?: WindowedTally }>): string[] {
  const head = ['series', 'window score', 'windows', 'found', 'false events', 'precision', 'recall', 'F1', 'PA-F1 (inflated)', 'mean TTD (rows)'];
  const body = rows.map(({ name, counts: c, tally }) => {
    const f = figuresOf(c);
    return [
      name,
      tally === undefined ? '–' : num(normalisedScore(tally), 1),
      String(c.windows),
      String(c.found),
      String(c.falseEvents),
      num(f.precision),
      num(f.recall),
      num(f.f1),
      num(f.paF1),
      num(f.meanTimeToDetect, 1),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(fmt)];
}

export async function evalCommand(opts: Record<string, string>): Promise<number> {
  const input = opts.input!;
  const defaults = detectorOptions.parse({});
  const threshold = opts.threshold !== undefined ? Number(opts.threshold) : defaults.threshold;
  if (!(threshold >= 0 && threshold <= 1)) {
    process.stderr.write(`--threshold: "${opts.threshold}" is not a score in [0,1]\n`);
    return 2;
  }
  let predictor: Predictor;
  let files;
  let labels: LabelSource;
  try {
    files = await listSeriesFiles(input);
    labels = await labelSource(opts.labels!, input);
    predictor = await loadCliModel(opts.model);
  } catch (e) {
    if (!isUserError(e)) throw e;
    process.stderr.write(formatUserError(e) + '\n');
    return EXIT_INVALID;
  }
  const stages = { ...stageOptionsOf(defaults), threshold };
  const alarm = { threshold, refractory: stages.refractory };
  const per: { name: string; rel: string; counts: EventCounts; tally: WindowedTally }[] = [];
  const evaluated: EvaluatedFile[] = [];
  const charts: string[] = [];
  const chartRows: ReportRow[] = [];
  const failures: string[] = [];
  const bar = progressBar(
    files.reduce((a, f) => a + f.size, 0),
    'bytes',
  );
  try {
    for (const f of files) {
      try {
        const e = await evaluateFile(f, new Scorer(predictor, defaults.warmup, stages), labels);
        const { counts, tally } = countsAt(e, alarm);
        per.push({ name: f.rel, rel: f.rel, counts, tally });
        evaluated.push({ file: { ...e.file, timestamps: [] }, labels: e.labels });
        if (opts.report !== undefined) {
          chartRows.push({ name: f.rel, figures: figuresOf(counts), windows: counts.windows });
          for (const series of e.file.series) {
            const chart: ChartInput = { series, labels: e.labels, threshold };
            charts.push(`<h3>${series.name.replace(/[<>&"]/g, '')}</h3>\n${chartSvg(chart)}`);
          }
        }
        bar.add(f.size, e.file.rows * e.file.series.length);
      } catch (err) {
        if (!isUserError(err)) throw err;
        failures.push(formatUserError(err));
        bar.add(f.size, 0);
      }
    }
  } finally {
    bar.stop();
    await predictor.close();
  }
  const { groups, overall } = aggregate(per);
  const tallies = new Map<string, WindowedTally>();
  const overallTally = emptyTally();
  for (const p of per) {
    const g = groupOf(p.rel);
    const t = tallies.get(g) ?? emptyTally();
    addTally(t, p.tally);
    tallies.set(g, t);
    addTally(overallTally, p.tally);
  }
  const rows = [
    ...per,
    ...(groups.size > 1 || !groups.has('.') ? [...groups].map(([g, counts]) => ({ name: `[${g}]`, counts, tally: tallies.get(g) })) : []),
    { name: '[overall]', counts: overall, tally: overallTally },
  ];
  process.stdout.write(
    `model ${predictor.info.name} ${predictor.info.version} (sha256 ${predictor.info.sha256.slice(0, 12)}…), threshold ${threshold}, refractory ${alarm.refractory} rows\n`,
  );
  process.stdout.write(tableLines(rows).join('\n') + '\n');
  // The best single threshold over the whole input (the event logic is replayed: no new scoring run).
  let best = { threshold, score: normalisedScore(overallTally) };
  for (const t of SWEEP) {
    const sum = emptyTally();
    for (const e of evaluated) addTally(sum, countsAt(e, { ...alarm, threshold: t }).tally);
    const sc = normalisedScore(sum);
    if (sc > best.score) best = { threshold: t, score: sc };
  }
  process.stdout.write(
    `Windowed early-detection score (0 = flags nothing, 100 = perfect): ${num(normalisedScore(overallTally), 1)} at threshold ${threshold}; best single threshold ${best.threshold}: ${num(best.score, 1)}.\n`,
  );
  process.stdout.write(
    'A detection is an alarm start (a machine alarms when series agree, see docs/detector.md); consecutive detections outside labelled windows are separate false events. PA-F1 is point-adjusted (inflated; for comparison only).\n',
  );
  if (opts.report !== undefined) {
    await mkdir(opts.report, { recursive: true });
    const html = reportHtml(`vigil eval: ${input}`, [...chartRows, { name: 'overall', figures: figuresOf(overall), windows: overall.windows }], []);
    await writeFile(path.join(opts.report, 'index.html'), html.replace('</body>', `${charts.join('\n')}\n</body>`));
  }
  for (const f of failures) process.stderr.write(f + '\n');
  return failures.length > 0 ? EXIT_INVALID : 0;
}
