// `vigil eval --input PATH --labels FILE [--report DIR] [--model FILE]`: scores the input exactly as
// `vigil detect` does, then prints event-level precision, recall and F1, point-adjusted F1 (marked
// as inflated) and mean time to detect, per file, per top-level folder and overall. With --report,
// writes DIR/index.html with one chart per series. Labels: see detectors/eval/labels-file.ts.
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatUserError, type UserError } from '../../core/errors.ts';
import { detectorOptions } from '../config.ts';
import { aggregate, countsAt, evaluateFile, type LabelSource } from '../eval/evaluate.ts';
import { type EventCounts, figuresOf } from '../eval/event-metrics.ts';
import { readLabelsFile } from '../eval/labels-file.ts';
import { loadCliModel } from '../eval/model.ts';
import { type ChartInput, chartSvg, reportHtml, type ReportRow } from '../eval/report-html.ts';
import { listSeriesFiles } from '../eval/sources.ts';
import type { Predictor } from '../predictor.ts';
import { Scorer } from '../scoring/scorer.ts';
import { progressBar } from './progress.ts';

const EXIT_INVALID = 2;

const isUserError = (e: unknown): e is Error & UserError => e instanceof Error && typeof (e as Partial<UserError>).code === 'string' && typeof (e as Partial<UserError>).where === 'string';

/** Embedded labels when --labels is the input itself or a directory; otherwise a labels file. */
async function labelSource(labels: string, input: string): Promise<LabelSource> {
  if (path.resolve(labels) === path.resolve(input)) return { kind: 'embedded' };
  const st = await stat(labels).catch(() => undefined);
  if (st?.isDirectory()) return { kind: 'embedded' };
  return { kind: 'file', windows: await readLabelsFile(labels) };
}

const num = (x: number, digits = 3): string => (Number.isNaN(x) ? '–' : x.toFixed(digits));

export function tableLines(rows: ReadonlyArray<{ name: string; counts: EventCounts }>): string[] {
  const head = ['series', 'windows', 'found', 'false events', 'precision', 'recall', 'F1', 'PA-F1 (inflated)', 'mean TTD (rows)'];
  const body = rows.map(({ name, counts: c }) => {
    const f = figuresOf(c);
    return [name, String(c.windows), String(c.found), String(c.falseEvents), num(f.precision), num(f.recall), num(f.f1), num(f.paF1), num(f.meanTimeToDetect, 1)];
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
  const per: { name: string; rel: string; counts: EventCounts }[] = [];
  const charts: string[] = [];
  const chartRows: ReportRow[] = [];
  const failures: string[] = [];
  const bar = progressBar(files.reduce((a, f) => a + f.size, 0), 'bytes');
  try {
    for (const f of files) {
      try {
        const e = await evaluateFile(f, new Scorer(predictor, defaults.warmup), labels);
        const counts = countsAt(e, threshold);
        per.push({ name: f.rel, rel: f.rel, counts });
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
  const rows = [...per, ...(groups.size > 1 || !groups.has('.') ? [...groups].map(([g, counts]) => ({ name: `[${g}]`, counts })) : []), { name: '[overall]', counts: overall }];
  process.stdout.write(`model ${predictor.info.name} ${predictor.info.version} (sha256 ${predictor.info.sha256.slice(0, 12)}…), threshold ${threshold}\n`);
  process.stdout.write(tableLines(rows).join('\n') + '\n');
  process.stdout.write('Event level: consecutive flags outside labelled windows count as one false event. PA-F1 is point-adjusted (inflated; for comparison only).\n');
  if (opts.report !== undefined) {
    await mkdir(opts.report, { recursive: true });
    const html = reportHtml(`vigil eval: ${input}`, [...chartRows, { name: 'overall', figures: figuresOf(overall), windows: overall.windows }], []);
    await writeFile(path.join(opts.report, 'index.html'), html.replace('</body>', `${charts.join('\n')}\n</body>`));
  }
  for (const f of failures) process.stderr.write(f + '\n');
  return failures.length > 0 ? EXIT_INVALID : 0;
}
