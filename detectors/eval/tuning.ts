// `npm run eval:tuning`: the figures of DETECTION.md. Scores the test parts of the tuning data
// (../shared/data/tuning, or --data DIR) with the model (--model, default the shipped one) and with
// the baseline (rolling z-score over the same window, same calibration and warm-up), counts events
// per dataset and overall at a grid of thresholds, and rewrites the figures block of DETECTION.md
// and a few example charts in docs/detection/. Takes a few minutes on 2 cores.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import path from 'node:path';
import { detectorOptions } from '../config.ts';
import { Scorer } from '../scoring/scorer.ts';
import { meanPredictor, RollingZScore } from './baseline.ts';
import type { BatchScorer } from './batch-scorer.ts';
import { groupOf } from './evaluate.ts';
import { scoreInLanes } from './lanes.ts';
import { addCounts, countEvents, emptyCounts, type EventCounts, figuresOf } from './event-metrics.ts';
import { loadCliModel } from './model.ts';
import { chartSvg } from './report-html.ts';
import { Growable } from './scored-file.ts';
import { listSeriesFiles, openSeries, type SeriesSource } from './sources.ts';

/** Files scored side by side, as `vigil detect` does. */
const LANES = 64;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const THRESHOLDS = [0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999] as const;
/** Example charts for the docs: [file, series index]. */
const EXAMPLES: ReadonlyArray<readonly [string, number]> = [
  ['ms_cloud_monitoring/ecommerce-api-incoming-rps/api-01.csv', 0],
  ['ms_cloud_monitoring/mongodb-machine-rps/machine-01.csv', 0],
  ['asd/omi-1.npz', 0],
];

interface Method {
  readonly name: string;
  scorer(): BatchScorer<unknown>;
}

interface Accumulator {
  readonly max: Growable;
  readonly labels: Growable;
  readonly example: { readonly index: number; readonly values: Growable; readonly scores: Growable } | undefined;
}

const open = new Map<SeriesSource, Accumulator>();

/** Per file: the row's largest score over its series (what a flag at threshold τ compares), and labels. */
interface FileScores {
  readonly rel: string;
  readonly maxScore: Float32Array;
  readonly labels: Uint8Array;
}

function countsAt(files: readonly FileScores[], threshold: number): { groups: Map<string, EventCounts>; overall: EventCounts } {
  const groups = new Map<string, EventCounts>();
  const overall = emptyCounts();
  for (const f of files) {
    const flags = new Uint8Array(f.maxScore.length);
    for (let i = 0; i < flags.length; i++) flags[i] = f.maxScore[i]! >= threshold ? 1 : 0;
    const c = countEvents(flags, f.labels);
    const g = groupOf(f.rel);
    const into = groups.get(g) ?? emptyCounts();
    addCounts(into, c);
    groups.set(g, into);
    addCounts(overall, c);
  }
  return { groups, overall };
}

const n3 = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));

export async function main(argv: string[]): Promise<void> {
  const { values: args } = parseArgs({ args: argv, options: { data: { type: 'string' }, model: { type: 'string' }, out: { type: 'string' } } });
  const data = args.data ?? path.join(ROOT, '..', 'shared', 'data', 'tuning');
  const defaults = detectorOptions.parse({});
  const predictor = await loadCliModel(args.model);
  const methods: Method[] = [
    { name: `${predictor.info.name} ${predictor.info.version}`, scorer: () => new Scorer(predictor, defaults.warmup) as BatchScorer<unknown> },
    { name: `baseline: rolling z-score (W=${predictor.window})`, scorer: () => new RollingZScore(predictor.window, defaults.warmup) as BatchScorer<unknown> },
    { name: 'baseline: online z-score (normaliser alone)', scorer: () => new Scorer(meanPredictor(predictor.window), defaults.warmup) as BatchScorer<unknown> },
  ];
  const files = await listSeriesFiles(data);
  const results: FileScores[][] = methods.map(() => []);
  const charts: { title: string; file: string; svg: string }[] = [];
  const t0 = performance.now();
  let points = 0;
  for (const [m, method] of methods.entries()) {
    let done = 0;
    await scoreInLanes(files, method.scorer(), LANES, {
      async open(file) {
        const source = await openSeries(file);
        const ex = EXAMPLES.find(([rel]) => rel === file.rel);
        open.set(source, { max: new Growable(), labels: new Growable(), example: ex === undefined ? undefined : { index: ex[1], values: new Growable(), scores: new Growable() } });
        return source;
      },
      row(source, row, scores) {
        const acc = open.get(source)!;
        let mx = 0;
        for (let d = 0; d < scores.length; d++) if (scores[d]! > mx) mx = scores[d]!;
        acc.max.push(mx);
        acc.labels.push(row.label);
        if (acc.example !== undefined) {
          acc.example.values.push(row.values[acc.example.index]!);
          acc.example.scores.push(scores[acc.example.index]!);
        }
        return undefined;
      },
      async done(source, rows) {
        const acc = open.get(source)!;
        open.delete(source);
        if (!source.labelled) throw new Error(`${source.file.rel} has no labels`);
        const labels = Uint8Array.from(acc.labels.done(), (l) => (l === 1 ? 1 : 0));
        results[m]!.push({ rel: source.file.rel, maxScore: acc.max.done(), labels });
        if (m === 0) points += rows * source.columns.length;
        if (acc.example !== undefined) {
          const series = { name: `${source.file.rel}#${source.columns[acc.example.index]}`, values: acc.example.values.done(), scores: acc.example.scores.done() };
          const file = `${series.name.replace(/[^a-zA-Z0-9]+/g, '-')}--${method.name.split(/[ :]/)[0]}-${m}.svg`;
          charts.push({ title: `${method.name}: ${series.name}`, file, svg: chartSvg({ series, labels, threshold: defaults.threshold, standalone: true }) });
        }
        done++;
        process.stderr.write(`[${method.name}: ${done}/${files.length}] ${source.file.rel} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
      },
      async failed(file, err) {
        throw new Error(`${file.rel}: ${(err as Error).message}`);
      },
    });
  }
  // Same order for both methods (lanes finish files in any order).
  for (const r of results) r.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  await predictor.close();

  const lines: string[] = [];
  lines.push(`Model: \`${predictor.info.name}\` version \`${predictor.info.version}\`, sha256 \`${predictor.info.sha256}\`, window ${predictor.window}.`);
  lines.push(`Data: ${files.length} files, test parts only, ${points.toLocaleString('en')} points scored per method (${((performance.now() - t0) / 1000).toFixed(0)} s for both methods).`);
  lines.push('');
  lines.push(`### At the default threshold (${defaults.threshold})`, '');
  lines.push('| dataset | method | windows | found | false events | precision | recall | **F1** | PA-F1 (inflated) | mean TTD (rows) |', '|---|---|---|---|---|---|---|---|---|---|');
  const at = methods.map((_, m) => countsAt(results[m]!, defaults.threshold));
  const groups = [...at[0]!.groups.keys()].sort();
  for (const g of [...groups, 'overall']) {
    for (const [m, method] of methods.entries()) {
      const c = g === 'overall' ? at[m]!.overall : at[m]!.groups.get(g)!;
      const f = figuresOf(c);
      lines.push(`| ${g} | ${method.name} | ${c.windows} | ${c.found} | ${c.falseEvents} | ${n3(f.precision)} | ${n3(f.recall)} | **${n3(f.f1)}** | ${n3(f.paF1)} | ${Number.isNaN(f.meanTimeToDetect) ? '–' : f.meanTimeToDetect.toFixed(1)} |`);
    }
  }
  lines.push('', '### Overall event-level F1 by threshold', '');
  lines.push(`| threshold | ${methods.map((m) => m.name).join(' | ')} |`, `|---|${methods.map(() => '---').join('|')}|`);
  for (const t of THRESHOLDS) {
    lines.push(`| ${t} | ${methods.map((_, m) => n3(figuresOf(countsAt(results[m]!, t).overall).f1)).join(' | ')} |`);
  }
  lines.push('', `### Per dataset, event-level F1 by threshold (${methods.map((m) => m.name).join(' / ')})`, '');
  lines.push(`| dataset | ${THRESHOLDS.join(' | ')} |`, `|---|${THRESHOLDS.map(() => '---').join('|')}|`);
  for (const g of groups) {
    lines.push(`| ${g} | ${THRESHOLDS.map((t) => methods.map((_, m) => n3(figuresOf(countsAt(results[m]!, t).groups.get(g)!).f1)).join(' / ')).join(' | ')} |`);
  }
  const figures = lines.join('\n');
  process.stdout.write(figures + '\n');

  const docDir = path.join(ROOT, 'docs', 'detection');
  mkdirSync(docDir, { recursive: true });
  charts.sort((a, b) => (a.file < b.file ? -1 : 1));
  for (const c of charts) writeFileSync(path.join(docDir, c.file), c.svg);
  writeFileSync(
    path.join(docDir, 'examples.md'),
    `# Example charts (written by npm run eval:tuning)\n\nValues on top, calibrated score below; shaded: labelled windows; red ticks: flags at ${defaults.threshold}; dashed: the threshold.\n\n${charts.map((c) => `#### ${c.title}\n\n![${c.title}](${c.file})`).join('\n\n')}\n`,
  );
  const target = args.out ?? path.join(ROOT, 'DETECTION.md');
  const doc = readFileSync(target, 'utf8');
  const begin = '<!-- figures:begin -->';
  const end = '<!-- figures:end -->';
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${target} has no ${begin} … ${end} block`);
  writeFileSync(target, `${doc.slice(0, a + begin.length)}\n${figures}\n${doc.slice(b)}`);
  process.stderr.write(`wrote ${target} and ${path.join(docDir, 'examples.md')}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv.slice(2));
