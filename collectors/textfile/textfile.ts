// node_exporter's textfile collector (1.x semantics): every `*.prom` file in collectors.textfile.directory
// is read each tick. A file that does not parse, or has client-side timestamps, is skipped whole and sets
// node_textfile_scrape_error 1, as node_exporter does; the other files and collectors are unaffected.
// Across files, node_exporter's registry keeps the first family of a name (files in name order): a later
// metric with another HELP or TYPE, or a series already collected, is dropped (logged). A family without
// HELP gets "Metric read from <path>, <path>" (every file that has it). node_textfile_mtime_seconds{file}
// is the full path's mtime in whole seconds, only for files read successfully.
//
// Where /metrics' text format differs from node_exporter's (the exporter serves counters and gauges):
// untyped families, counters whose name does not end in `_total` and the series of summaries and
// histograms (`x`, `x_bucket`, `x_sum`, `x_count`) are served as gauges with the same names, labels and
// values; names with `:` or `__` (which the exporter would rewrite) are skipped and logged.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { type Collector, type CollectorFactory } from '../collector.ts';
import type { Context } from '../../core/component.ts';
import { ErrorCode } from '../../core/errors.ts';
import { logFailure } from '../../core/log-failure.ts';
import { type Sample, gauge, NO_LABELS } from '../../core/samples.ts';
import { readText } from '../read.ts';
import { type TextfileFamily, type TextfileSample, parseTextfile } from './parse.ts';

const options = z.strictObject({
  /** Directory of *.prom files; empty: the collector only reports node_textfile_scrape_error 0 (node_exporter's default). */
  directory: z.string().default(''),
});
type Options = z.infer<typeof options>;

/**
 * Families the agent itself serves: another collector's (declared or dynamic), the agent's own
 * (`vigil_*`, `node_scrape_collector_*`) and the rule engine's (`ALERTS*`). A textfile family of such a
 * name is dropped and logged, as node_exporter's registry drops a metric whose HELP differs from the
 * family collected first; served twice, it would duplicate series on /metrics.
 */
let reserved: { names: Set<string>; patterns: RegExp[] } | undefined;
async function isReserved(name: string): Promise<boolean> {
  if (/^(vigil_|node_scrape_collector_|ALERTS($|_))/.test(name)) return true;
  if (reserved === undefined) {
    // Imported when first needed: the registry lists this collector too.
    const { collectorList } = await import('../registry.ts');
    const others = collectorList.filter((f) => f.name !== 'textfile');
    reserved = {
      names: new Set(others.flatMap((f) => f.metrics.map((m) => m.name))),
      patterns: others.flatMap((f) => (f.dynamicMetrics ?? []).map((d) => d.pattern)),
    };
  }
  return reserved.names.has(name) || reserved.patterns.some((p) => p.test(name));
}

/** Names the Prometheus exporter would rewrite (it maps every character outside [a-zA-Z0-9_] and runs of `_` to one `_`). */
const REWRITTEN = /:|__/;

const seriesKey = (name: string, labels: Readonly<Record<string, string>>): string =>
  `${name}\u0000${Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0001${labels[k]}`)
    .join('\u0000')}`;

/** Go's strconv.FormatFloat(x, 'g', -1, 64), as client_golang writes `le` and `quantile` labels. */
export function goFloatString(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, expText] = x.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  // Shortest form: exponent notation below 1e-4 and from 1e6 on, with at least two exponent digits.
  if (exp >= -4 && exp < 6) return String(x);
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

/** node_exporter's convertMetricFamily for counters, gauges and untyped: every series gets every label name of its family ("" where missing). */
function withAllLabels(samples: readonly TextfileSample[]): TextfileSample[] {
  const names = new Set<string>();
  for (const s of samples) for (const k of Object.keys(s.labels)) names.add(k);
  return samples.map((s) => {
    const labels: Record<string, string> = {};
    for (const k of names) labels[k] = s.labels[k] ?? '';
    return { ...s, labels };
  });
}

/**
 * A histogram or summary as node_exporter re-creates it (prometheus.MustNewConstHistogram/Summary) and
 * client_golang writes it: per label set, buckets (or quantiles) sorted by bound with the bound
 * re-formatted, a `+Inf` bucket equal to the count when missing, and `_sum` and `_count` (0 when absent).
 * Bucket lines without `le` are dropped (the Go parser keeps no bucket for them).
 */
function distributionSeries(f: TextfileFamily): TextfileSample[] {
  const histogram = f.type === 'histogram';
  const bound = histogram ? 'le' : 'quantile';
  interface Group {
    labels: Record<string, string>;
    bounds: Map<number, number>;
    sum: number;
    count: number;
  }
  const groups = new Map<string, Group>();
  const names = new Set<string>();
  for (const s of f.samples) for (const k of Object.keys(s.labels)) if (k !== bound) names.add(k);
  for (const s of f.samples) {
    const labels: Record<string, string> = {};
    for (const k of names) labels[k] = s.labels[k] ?? '';
    const key = seriesKey('', labels);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { labels, bounds: new Map(), sum: 0, count: 0 }));
    if (s.name === `${f.name}_sum`) g.sum = s.value;
    else if (s.name === `${f.name}_count`) g.count = s.value;
    else if (s.name === (histogram ? `${f.name}_bucket` : f.name) && s.labels[bound] !== undefined) {
      const b = Number(s.labels[bound] === '+Inf' ? Infinity : s.labels[bound]);
      if (!Number.isNaN(b)) g.bounds.set(b, s.value);
    }
  }
  const out: TextfileSample[] = [];
  for (const g of groups.values()) {
    const bounds = [...g.bounds.keys()].sort((x, y) => x - y);
    for (const b of bounds)
      out.push({ name: histogram ? `${f.name}_bucket` : f.name, labels: { ...g.labels, [bound]: goFloatString(b) }, value: g.bounds.get(b)! });
    if (histogram && !g.bounds.has(Infinity)) out.push({ name: `${f.name}_bucket`, labels: { ...g.labels, le: '+Inf' }, value: g.count });
    out.push({ name: `${f.name}_sum`, labels: g.labels, value: g.sum });
    out.push({ name: `${f.name}_count`, labels: g.labels, value: g.count });
  }
  return out;
}

function createTextfileCollector(opts: Options, ctx: Context): Collector {
  const dir = opts.directory;
  const log = (err: unknown, msg: string, fields: Record<string, unknown>) =>
    logFailure(ctx.logger, 'warn', ErrorCode.TEXTFILE_INVALID, err, msg, { collector: 'textfile', ...fields });

  return {
    async collect(out: Sample[]): Promise<number> {
      let failedFiles = 0;
      let errored = false;
      const mtimes: [string, number][] = [];
      const seenFamilies = new Map<string, { help: string; type: string }>();
      const seenSeries = new Set<string>();
      let names: string[] = [];
      if (dir !== '') {
        try {
          names = (await readdir(dir)).filter((n) => n.endsWith('.prom')).sort();
        } catch (err) {
          errored = true;
          log(err, 'failed to read textfile collector directory', { path: dir });
        }
      }
      // Every file first: a family without HELP is "Metric read from" every file that has it.
      const parsedFiles: { name: string; file: string; families: Map<string, TextfileFamily> }[] = [];
      const filesOf = new Map<string, string[]>();
      for (const name of names) {
        const file = path.join(dir, name);
        try {
          const parsed = parseTextfile(await readText(file));
          if (!parsed.ok) throw new Error(`failed to parse textfile data from "${file}": ${parsed.error}`);
          for (const f of parsed.families.values()) {
            if (f.samples.some((s) => s.timestampMs !== undefined))
              throw new Error(`textfile "${file}" contains unsupported client-side timestamps, skipping entire file`);
          }
          // Stat only once parsed, so that a failing file does not look fresh (node_exporter's order);
          // node_exporter reports whole seconds.
          mtimes.push([file, Math.floor((await stat(file)).mtimeMs / 1000)]);
          parsedFiles.push({ name, file, families: parsed.families });
          for (const f of parsed.families.keys()) filesOf.set(f, [...(filesOf.get(f) ?? []), file]);
        } catch (err) {
          errored = true;
          failedFiles++;
          log(err, 'failed to collect textfile data', { file: name });
        }
      }
      for (const { name, families } of parsedFiles) {
        for (const f of families.values()) {
          if (await isReserved(f.name)) {
            log(undefined, 'metric dropped: the agent serves a family of that name itself', { file: name, metric: f.name });
            continue;
          }
          if (REWRITTEN.test(f.name)) {
            log(undefined, 'metric name not served (the exporter would rewrite it)', { file: name, metric: f.name });
            continue;
          }
          const help = f.help ?? `Metric read from ${filesOf.get(f.name)!.join(', ')}`;
          const type = f.type ?? 'untyped';
          const first = seenFamilies.get(f.name);
          if (first === undefined) seenFamilies.set(f.name, { help, type });
          else if (first.help !== help || first.type !== type) {
            log(undefined, 'metric dropped: its HELP or TYPE differs from the same family in an earlier file', { file: name, metric: f.name });
            continue;
          }
          const counter = type === 'counter' && f.name.endsWith('_total');
          for (const s of type === 'histogram' || type === 'summary' ? distributionSeries(f) : withAllLabels(f.samples)) {
            const key = seriesKey(s.name, s.labels);
            if (seenSeries.has(key)) {
              log(undefined, 'series dropped: it was collected before with the same name and label values', { file: name, metric: s.name });
              continue;
            }
            seenSeries.add(key);
            out.push({ name: s.name, labels: s.labels, value: s.value, kind: counter ? 'counter' : 'gauge', help });
          }
        }
      }
      for (const [file, mtime] of mtimes) out.push(gauge('node_textfile_mtime_seconds', { file }, mtime));
      out.push(gauge('node_textfile_scrape_error', NO_LABELS, errored ? 1 : 0));
      return failedFiles;
    },
  };
}

export const textfileCollector = {
  name: 'textfile',
  defaultEnabled: true,
  options,
  metrics: [
    { name: 'node_textfile_mtime_seconds', help: 'Unixtime mtime of textfiles successfully read.', kind: 'gauge', labels: ['file'] },
    { name: 'node_textfile_scrape_error', help: '1 if there was an error opening or reading a file, 0 otherwise', kind: 'gauge', labels: [] },
  ],
  create: (opts, ctx) => createTextfileCollector(opts, ctx),
} satisfies CollectorFactory<Options>;
