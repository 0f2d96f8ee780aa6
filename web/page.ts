// GET /: the node page. One self-contained HTML document (no CDN, no fonts, no images): the stylesheet
// and three scripts inline — Grafana Faro's core, the telemetry script, the page script — each allowed
// by its SHA-256 in a Content-Security-Policy that permits nothing else but requests to the page's own
// origin (and to a configured Faro collector). The data comes from the JSON endpoints (api.ts).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { escapeHtml } from './html.ts';
import { PAGE_SCRIPT, TELEMETRY_SCRIPT } from './page-script.ts';
import { PAGE_STYLE } from './page-style.ts';

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export interface PageOptions {
  readonly nodeName: string;
  readonly version: string;
  readonly intervalMs: number;
  /** Where the page sends Faro telemetry: empty for the agent's own /faro/collect, else a Faro collector URL (Grafana Alloy's faro.receiver). */
  readonly faroUrl: string;
}

/** Faro's IIFE bundle without its source map comment, or undefined (with the reason) when it cannot be read or inlined. */
function faroBundle(): { text?: string; problem?: string } {
  try {
    const file = createRequire(import.meta.url).resolve('@grafana/faro-core/dist/bundle/faro-core.iife.js');
    const text = readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n');
    if (/<\/script|<!--/i.test(text)) return { problem: `${file}: cannot be inlined (contains "</script" or "<!--")` };
    return { text };
  } catch (err) {
    return { problem: (err as Error).message };
  }
}

export interface NodePage {
  readonly html: string;
  /** The Content-Security-Policy header sent with the page. */
  readonly csp: string;
  /** Why the page has no telemetry, or undefined. */
  readonly telemetryProblem: string | undefined;
}

/** Renders the page once (it is the same on every request; the data arrives by fetch). */
export function renderNodePage(opts: PageOptions): NodePage {
  const faro = faroBundle();
  const scripts = faro.text !== undefined ? [faro.text, TELEMETRY_SCRIPT, PAGE_SCRIPT] : [PAGE_SCRIPT];
  for (const s of scripts) if (/<\/script|<!--/i.test(s)) throw new Error('a node page script cannot be inlined');
  let connect = "'self'";
  if (opts.faroUrl !== '') connect += ` ${new URL(opts.faroUrl).origin}`;
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(PAGE_STYLE)}`,
    `script-src ${scripts.map(sha256).join(' ')}`,
    `connect-src ${connect}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const name = escapeHtml(opts.nodeName);
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${name} · Vigil</title>
<style>${PAGE_STYLE}</style>
</head>
<body data-interval-ms="${opts.intervalMs}" data-version="${escapeHtml(opts.version)}" data-faro-url="${escapeHtml(opts.faroUrl)}">
<a class="skip" href="#alerts-section">Skip to alerts</a>
<header>
<h1>${name}</h1>
<ul class="facts" aria-label="agent">
<li>Vigil <b id="f-version">${escapeHtml(opts.version)}</b></li>
<li>up <b id="f-uptime">–</b></li>
<li>tick every <b id="f-interval">${opts.intervalMs / 1000}s</b></li>
<li>last tick <b id="f-tick">–</b></li>
<li>detector <b id="f-detector">–</b></li>
<li>alerts <b id="f-alerting">–</b></li>
</ul>
</header>
<p id="banner" class="ok" role="status" aria-live="polite">Loading…</p>
<main>
<section id="alerts-section" aria-labelledby="alerts-h">
<h2 id="alerts-h">Firing and pending alerts <span class="count" id="alerts-count"></span></h2>
<p class="empty" id="alerts-empty">No alert is firing or pending.</p>
<ul class="alerts" id="alerts"></ul>
<details>
<summary>Resolved in the last hour <span class="count" id="resolved-count"></span></summary>
<p class="empty" id="resolved-empty">None.</p>
<ul class="alerts" id="resolved"></ul>
</details>
</section>
<section id="anomalies-section" aria-labelledby="anomalies-h">
<h2 id="anomalies-h">Series by anomaly score <span class="count" id="anomalies-count"></span></h2>
<p class="meta">Blue: the value over the last hour (its own scale). Red dashes: the detector's anomaly score (0–1). Red marks: ticks the detector flagged. Select a series for a larger chart with 1 h and 6 h ranges.</p>
<p class="empty" id="anomalies-empty">No monitored series yet.</p>
<ol class="series" id="anomalies"></ol>
</section>
<section aria-labelledby="collectors-h">
<h2 id="collectors-h">Collectors</h2>
<div class="scroll"><table>
<thead><tr><th scope="col">collector</th><th scope="col">state</th><th scope="col" class="num">duration</th><th scope="col">last error</th></tr></thead>
<tbody id="collectors"></tbody>
</table></div>
</section>
<section aria-labelledby="pg-h">
<h2 id="pg-h">PostgreSQL</h2>
<p class="empty" id="pg-empty">No PostgreSQL target configured.</p>
<div class="scroll"><table id="pg-table" hidden>
<thead><tr><th scope="col">target</th><th scope="col">role</th><th scope="col">up</th><th scope="col" class="num">lag</th><th scope="col">WAL receiver</th><th scope="col" class="num">standbys</th></tr></thead>
<tbody id="postgres"></tbody>
</table></div>
</section>
</main>
<dialog id="series-dialog" aria-labelledby="dialog-title">
<button type="button" class="close" id="dialog-close">Close</button>
<h2 id="dialog-title"></h2>
<div class="ranges" role="group" aria-label="range"><button type="button" data-range="1h" aria-pressed="true">1 h</button><button type="button" data-range="6h" aria-pressed="false">6 h</button></div>
<div id="dialog-chart"></div>
<p class="legend"><span class="lv">━ value</span> · <span class="ls">╍ anomaly score (0–1)</span> · red marks: anomalous ticks</p>
<p id="dialog-summary" aria-live="polite"></p>
<details><summary>Latest points as a table</summary>
<div class="scroll"><table><thead><tr><th scope="col">time</th><th scope="col" class="num">value</th><th scope="col" class="num">score</th><th scope="col">anomalous</th></tr></thead><tbody id="dialog-rows"></tbody></table></div>
</details>
</dialog>
<footer>Vigil node page · data: <a href="/api/v1/status">/api/v1/status</a>, <a href="/api/v1/anomalies">/api/v1/anomalies</a>, <a href="/metrics">/metrics</a></footer>
${scripts.map((s) => `<script>${s}</script>\n`).join('')}</body>
</html>
`;
  return { html, csp, telemetryProblem: faro.problem };
}
