// The --report page: one inline SVG chart per series — values on top; the score below with the
// threshold line; labelled windows shaded across both; flags marked under the score. Long series are
// drawn as per-pixel-column envelopes (min/max of the values, max of the score), so a 20k-point
// series is a few KB of SVG and no spike disappears.
import type { Figures } from './event-metrics.ts';
import type { ScoredSeries } from './scored-file.ts';
import { windowsOf } from './event-metrics.ts';

const WIDTH = 900;
const VALUES_H = 110;
const SCORE_H = 60;
const GAP = 8;
const HEIGHT = VALUES_H + GAP + SCORE_H + 10;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fx = (x: number): string => (Math.round(x * 10) / 10).toString();

export interface ChartInput {
  readonly series: ScoredSeries;
  readonly labels: Uint8Array | undefined;
  readonly threshold: number;
  /** Carry its own styles (an .svg file on its own rather than inside the report page). */
  readonly standalone?: boolean;
}

const CHART_CSS =
  '.values{fill:#4a78b5;stroke:#4a78b5;stroke-width:0.6}.score{fill:none;stroke:#444;stroke-width:0.8}' +
  '.threshold{stroke:#d33;stroke-dasharray:4 3}.window{fill:#f5c04a;opacity:0.35}.flag{fill:#d33}text{font:10px sans-serif;fill:#555}';

/** One series' chart as an SVG element. */
export function chartSvg({ series, labels, threshold, standalone = false }: ChartInput): string {
  const n = series.values.length;
  const cols = Math.max(1, Math.min(WIDTH, n));
  const xOf = (i: number): number => (n <= 1 ? 0 : (i / (n - 1)) * WIDTH);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of series.values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) lo = hi = 0;
  if (hi === lo) hi = lo + 1;
  const yV = (v: number): number => VALUES_H - ((v - lo) / (hi - lo)) * (VALUES_H - 4) - 2;
  const scoreTop = VALUES_H + GAP;
  const yS = (s: number): number => scoreTop + SCORE_H - s * SCORE_H;
  const upper: string[] = [];
  const lower: string[] = [];
  const score: string[] = [];
  const flags: string[] = [];
  for (let c = 0; c < cols; c++) {
    const a = Math.floor((c * n) / cols);
    const b = Math.max(a + 1, Math.floor(((c + 1) * n) / cols));
    let mn = Number.POSITIVE_INFINITY;
    let mx = Number.NEGATIVE_INFINITY;
    let sm = 0;
    for (let i = a; i < b; i++) {
      const v = series.values[i]!;
      if (Number.isFinite(v)) {
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      const s = series.scores[i]!;
      if (s > sm) sm = s;
    }
    const x = fx(xOf(a));
    if (Number.isFinite(mn)) {
      upper.push(`${x},${fx(yV(mx))}`);
      lower.push(`${x},${fx(yV(mn))}`);
    }
    score.push(`${x},${fx(yS(sm))}`);
    if (sm >= threshold) flags.push(`<rect class="flag" x="${x}" y="${scoreTop + SCORE_H + 2}" width="2" height="6"/>`);
  }
  const shades =
    labels === undefined
      ? []
      : windowsOf(labels).map((w) => {
          const x0 = xOf(w.start);
          const x1 = Math.max(xOf(w.end), x0 + 2);
          return `<rect class="window" x="${fx(x0)}" y="0" width="${fx(x1 - x0)}" height="${VALUES_H + GAP + SCORE_H}"/>`;
        });
  const envelope = upper.length > 0 ? `<polygon class="values" points="${upper.join(' ')} ${lower.reverse().join(' ')}"/>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(series.name)}">`,
    `<title>${esc(series.name)}</title>`,
    standalone ? `<style>${CHART_CSS}</style><rect width="100%" height="100%" fill="#fff"/>` : '',
    ...shades,
    envelope,
    `<polyline class="score" points="${score.join(' ')}"/>`,
    `<line class="threshold" x1="0" x2="${WIDTH}" y1="${fx(yS(threshold))}" y2="${fx(yS(threshold))}"/>`,
    ...flags,
    `<text x="4" y="12">${esc(`${lo.toPrecision(4)} … ${hi.toPrecision(4)}`)}</text>`,
    `<text x="4" y="${scoreTop + SCORE_H - 2}">score (threshold ${threshold})</text>`,
    '</svg>',
  ].join('');
}

export interface ReportRow {
  readonly name: string;
  readonly figures: Figures;
  readonly windows: number;
}

const pct = (x: number): string => (Number.isNaN(x) ? '–' : x.toFixed(3));

/** The whole page: a summary table, then one chart per series. */
export function reportHtml(title: string, rows: readonly ReportRow[], charts: readonly ChartInput[]): string {
  const table = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.name)}</td><td>${r.windows}</td><td>${pct(r.figures.precision)}</td><td>${pct(r.figures.recall)}</td><td>${pct(r.figures.f1)}</td><td>${pct(r.figures.paF1)}</td><td>${Number.isNaN(r.figures.meanTimeToDetect) ? '–' : r.figures.meanTimeToDetect.toFixed(1)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.chart{display:block;margin:0.2em 0 1.2em;border:1px solid #ddd}
${CHART_CSS}
</style></head><body>
<h1>${esc(title)}</h1>
<p>Event level: a labelled window is found when a flag falls in it; consecutive flags outside windows are one false event.
Point-adjusted F1 counts every point of a found window as detected: it is inflated, shown only for comparison.
Time to detect is in rows (samples) from the window's start. Shaded: labelled windows; red ticks: flags.</p>
<table><tr><th>series</th><th>windows</th><th>precision</th><th>recall</th><th>F1</th><th>PA-F1 (inflated)</th><th>mean time to detect</th></tr>
${table}
</table>
${charts.map((c) => `<h3>${esc(c.series.name)}</h3>\n${chartSvg(c)}`).join('\n')}
</body></html>
`;
}
