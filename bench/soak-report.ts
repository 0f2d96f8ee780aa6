// The soak's figures and its part of BENCHMARKS.md: pure functions of the samples, so that the
// hour-long run only measures. The "Soak" section is written by `npm run bench:soak` alone; `npm run
// bench` carries it over verbatim (keptSection), since it is a separate run with its own date.
import { mb, num, table, verdict } from './markdown.ts';

export const SOAK_TITLE = 'Soak: one hour with interface churn';

export interface SoakSample {
  /** Seconds since Vigil was ready. */
  readonly t: number;
  readonly rssBytes: number;
  readonly anonBytes: number;
  readonly peakRssBytes: number;
  /** process_heap_bytes from /metrics (V8's heapTotal); NaN when the scrape failed. */
  readonly heapBytes: number;
  /** Series (non-comment lines) on /metrics. */
  readonly series: number;
  /** Devices on node_network_receive_bytes_total in this scrape. */
  readonly devices: number;
  readonly ticks: number;
  readonly overruns: number;
  readonly cpuSeconds: number;
}

export interface SoakRun {
  readonly date: Date;
  readonly durationSeconds: number;
  /** Where "after warm-up" starts: 600 s for the hour, a sixth of a shortened run. */
  readonly warmSeconds: number;
  readonly intervalSeconds: number;
  readonly samples: readonly SoakSample[];
  /** Interfaces the churn created (and deleted, all but the last few) in the namespace. */
  readonly interfacesCreated: number;
  /** Dummy interfaces, or veth pairs where the kernel has no dummy driver. */
  readonly interfaceKind: 'dummy' | 'veth';
  /** Distinct device labels seen on /metrics over the run. */
  readonly devicesSeen: number;
  readonly machine: string;
  readonly command: string;
  readonly loadBefore: string;
  readonly loadAfter: string;
  /** Relative path of the SVG plot, linked from the section. */
  readonly svgPath: string;
}

/** Least-squares slope (per second) of y over x; NaN with fewer than two points. */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) * (x - mx);
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

/** The sample nearest to `t`. */
const nearest = (samples: readonly SoakSample[], t: number): SoakSample =>
  samples.reduce((best, s) => (Math.abs(s.t - t) < Math.abs(best.t - t) ? s : best), samples[0]!);

export interface Growth {
  readonly atWarm: number;
  readonly atEnd: number;
  /** End minus the warm-up point. */
  readonly growth: number;
  /** Highest after warm-up minus the warm-up point. */
  readonly maxAbove: number;
  /** Least-squares slope over the samples after warm-up, per hour. */
  readonly perHour: number;
  /** The fitted line's rise from the warm-up point to the end. */
  readonly fittedRise: number;
}

export function growthOf(run: SoakRun, field: 'rssBytes' | 'anonBytes' | 'heapBytes'): Growth {
  const after = run.samples.filter((s) => s.t >= run.warmSeconds - 1e-9 && Number.isFinite(s[field]));
  const atWarm = nearest(run.samples, run.warmSeconds)[field];
  const last = run.samples[run.samples.length - 1]!;
  const perSecond = slope(after.map((s) => [s.t, s[field]] as const));
  return {
    atWarm,
    atEnd: last[field],
    growth: last[field] - atWarm,
    maxAbove: Math.max(...after.map((s) => s[field])) - atWarm,
    perHour: perSecond * 3600,
    fittedRise: perSecond * (last.t - run.warmSeconds),
  };
}

/** The goal: no growth after warm-up beyond 5 MB, by the end point and by the fitted line. */
const GOAL_BYTES = 5e6;

const minutes = (seconds: number): string => `${num(seconds / 60)} min`;
const signedMb = (bytes: number): string => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;

/** An ASCII plot of VmRSS over time on its own scale (so that a few MB show); `|` marks the end of warm-up. */
function asciiPlot(run: SoakRun, width = 72, height = 12): string {
  const s = run.samples;
  const values = s.map((x) => x.rssBytes);
  // At least 10 MB tall, so that noise of a few hundred kB does not fill the plot.
  const mid = (Math.min(...values) + Math.max(...values)) / 2;
  const half = Math.max(5e6, (Math.max(...values) - Math.min(...values)) / 2 + 1e6);
  const lo = mid - half;
  const span = 2 * half;
  const tEnd = s[s.length - 1]!.t || 1;
  const grid = Array.from({ length: height }, () => Array.from({ length: width }, () => ' '));
  const col = (t: number): number => Math.min(width - 1, Math.round((t / tEnd) * (width - 1)));
  const row = (v: number): number => height - 1 - Math.round(((v - lo) / span) * (height - 1));
  const warmCol = col(run.warmSeconds);
  for (let r = 0; r < height; r++) grid[r]![warmCol] = '|';
  for (const x of s) grid[row(x.rssBytes)]![col(x.t)] = '*';
  const label = (r: number): string => mb(lo + span - (r / (height - 1)) * span).padStart(9);
  const lines = grid.map((cells, r) =>
    `${r === 0 || r === height - 1 || r === Math.floor(height / 2) ? label(r) : ' '.repeat(9)} ┤${cells.join('')}`.trimEnd(),
  );
  lines.push(`${' '.repeat(10)}└${'─'.repeat(width)}`);
  lines.push(`${' '.repeat(11)}0${minutes(tEnd).padStart(width - 1)}`);
  lines.push(`${' '.repeat(11)}* VmRSS every ${num(s.length > 1 ? s[1]!.t - s[0]!.t : 0)} s   | end of warm-up (${minutes(run.warmSeconds)})`);
  return lines.join('\n');
}

/** The same plot as a small standalone SVG (RSS, RssAnon and V8 heap in MB over minutes). */
export function svgPlot(run: SoakRun): string {
  const W = 720;
  const H = 320;
  const pad = { l: 60, r: 20, t: 30, b: 40 };
  const s = run.samples;
  const series = [
    { name: 'VmRSS', color: '#1f77b4', get: (x: SoakSample) => x.rssBytes },
    { name: 'RssAnon', color: '#ff7f0e', get: (x: SoakSample) => x.anonBytes },
    { name: 'V8 heap (heapTotal)', color: '#2ca02c', get: (x: SoakSample) => x.heapBytes },
  ];
  const values = s.flatMap((x) => series.map((d) => d.get(x))).filter(Number.isFinite);
  const hi = Math.ceil(Math.max(...values) / 1e7) * 1e7;
  const tEnd = s[s.length - 1]!.t || 1;
  const X = (t: number): number => pad.l + (t / tEnd) * (W - pad.l - pad.r);
  const Y = (v: number): number => H - pad.b - (v / hi) * (H - pad.t - pad.b);
  const f = (x: number): string => x.toFixed(1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${pad.l}" y="18" font-size="13">Vigil soak, ${run.date.toISOString().slice(0, 10)}: memory over ${minutes(run.durationSeconds)} with interface churn (MB)</text>`,
  ];
  for (let v = 0; v <= hi; v += hi / 5) {
    out.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${f(Y(v))}" y2="${f(Y(v))}" stroke="#ddd"/>`);
    out.push(`<text x="${pad.l - 6}" y="${f(Y(v) + 4)}" text-anchor="end">${num(v / 1e6)}</text>`);
  }
  const step = tEnd > 1200 ? 600 : tEnd > 240 ? 60 : 10;
  for (let t = 0; t <= tEnd; t += step) {
    out.push(`<text x="${f(X(t))}" y="${H - pad.b + 16}" text-anchor="middle">${num(t / 60)}</text>`);
  }
  out.push(`<text x="${(W + pad.l) / 2}" y="${H - 6}" text-anchor="middle">minutes</text>`);
  const wx = f(X(run.warmSeconds));
  out.push(`<line x1="${wx}" x2="${wx}" y1="${pad.t}" y2="${H - pad.b}" stroke="#999" stroke-dasharray="4 3"/>`);
  series.forEach((d, i) => {
    const pts = s.filter((x) => Number.isFinite(d.get(x))).map((x) => `${f(X(x.t))},${f(Y(d.get(x)))}`);
    out.push(`<polyline fill="none" stroke="${d.color}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    out.push(`<text x="${W - pad.r - 150}" y="${pad.t + 14 * (i + 1)}" fill="${d.color}">${d.name}</text>`);
  });
  out.push('</svg>', '');
  return out.join('\n');
}

export function soakMarkdown(run: SoakRun): string {
  const rss = growthOf(run, 'rssBytes');
  const anon = growthOf(run, 'anonBytes');
  const heap = growthOf(run, 'heapBytes');
  const first = run.samples[0]!;
  const last = run.samples[run.samples.length - 1]!;
  const met = rss.growth <= GOAL_BYTES && rss.fittedRise <= GOAL_BYTES;
  const warm = minutes(run.warmSeconds);
  const row = (name: string, g: Growth): string[] => [
    name,
    mb(g.atWarm),
    mb(g.atEnd),
    signedMb(g.growth),
    signedMb(g.maxAbove),
    `${signedMb(g.perHour)}/h`,
    signedMb(g.fittedRise),
  ];
  const cpuShare = (last.cpuSeconds - first.cpuSeconds) / (last.t - first.t);
  const maxSeries = Math.max(...run.samples.map((x) => x.series));
  const minSeries = Math.min(...run.samples.map((x) => x.series));
  return [
    `Written by \`npm run bench:soak\` (bench/soak.ts), a separate run of ${minutes(run.durationSeconds)} (\`npm run bench\` keeps this section as it is).`,
    `Run on ${run.date.toISOString()}; ${run.machine}; load average (1, 5, 15 min) before / after: ${run.loadBefore} / ${run.loadAfter}.`,
    '',
    `Vigil started as \`${run.command}\` with the default config (all default host collectors, detector on, default rules) at a`,
    `${run.intervalSeconds} s interval, its /proc/net/dev that of a network namespace (a host tree whose \`net/\` is the`,
    `namespace's, as test/e2e/interface-churn.test.ts does) in which ${run.interfaceKind === 'dummy' ? 'dummy interfaces' : 'veth pairs (this kernel has no dummy driver)'} are created and`,
    `deleted every interval: ${run.interfacesCreated} interfaces created over the run (named as pods' veths are, which the detector`,
    `excludes, and plainly, which it may take), 3 per interval each living 4 intervals. ${run.devicesSeen} distinct devices were seen on /metrics; series on`,
    `/metrics stayed between ${minSeries} and ${maxSeries} (a deleted interface's series leave /metrics). Memory read from`,
    `/proc/<pid>/status and /metrics every ${num(run.samples.length > 1 ? run.samples[1]!.t - run.samples[0]!.t : 0)} s; growth is counted from the sample at ${warm}.`,
    '',
    table(
      ['memory', `at ${warm}`, 'at the end', 'growth (end − start)', 'highest above start', `slope (least squares, ${warm}..end)`, 'fitted rise'],
      [row('VmRSS', rss), row('RssAnon', anon), row('V8 heap (heapTotal)', heap)],
    ),
    '',
    table(
      ['', 'figure', 'goal', 'met?'],
      [
        [`RSS growth after ${warm} (end point and fitted line)`, `${signedMb(rss.growth)} / ${signedMb(rss.fittedRise)}`, '≤ 5 MB', verdict(met)],
        ['Peak RSS over the run (VmHWM)', mb(last.peakRssBytes), '—', '—'],
        ['Ticks / overruns', `${last.ticks} / ${last.overruns}`, 'no overruns', verdict(last.overruns === 0)],
        ['CPU, mean over the run', `${num(cpuShare * 100)} % of a core`, '—', '—'],
      ],
    ),
    '',
    `![RSS, RssAnon and V8 heap over the soak](${run.svgPath})`,
    '',
    '```',
    asciiPlot(run),
    '```',
  ].join('\n');
}

/** The body of `## <title>` in a BENCHMARKS.md (up to the next `## ` heading), or undefined. */
export function keptSection(doc: string, title = SOAK_TITLE): string | undefined {
  const heading = `\n## ${title}\n`;
  const start = doc.indexOf(heading);
  if (start < 0) return undefined;
  const bodyStart = start + heading.length;
  const next = doc.indexOf('\n## ', bodyStart);
  return doc.slice(bodyStart, next < 0 ? undefined : next).replace(/^\n+|\n+$/g, '');
}

/** The document with `## <title>`'s body replaced by `body`, or the section appended at the end. */
export function replaceSection(doc: string, body: string, title = SOAK_TITLE): string {
  const heading = `\n## ${title}\n`;
  const start = doc.indexOf(heading);
  const section = `\n## ${title}\n\n${body}\n`;
  if (start < 0) return `${doc.replace(/\n+$/, '')}\n${section}`;
  const next = doc.indexOf('\n## ', start + heading.length);
  return doc.slice(0, start) + section + (next < 0 ? '' : doc.slice(next));
}
