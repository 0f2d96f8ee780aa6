// Runbooks (alerts/runbooks/<AlertName>.md) rendered as standalone HTML pages for GET /runbooks/<name>.
// An on-call engineer opens them from a page at 3 a.m., possibly from a network that reaches only the
// node: so every page is self-contained (inline CSS and scripts, no fonts, no images fetched) and a
// Content-Security-Policy forbids loading anything else. Markdown is parsed by `marked`; raw HTML in the
// markdown is shown as text, and links keep only safe schemes.
// The one thing a page does besides showing text: it tells the agent it was opened (Grafana Faro's core,
// inlined, and a transport that POSTs to the agent's own /faro/collect; see views.ts). The CSP allows
// exactly those two inline scripts, by hash, and connections to the page's own origin.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Marked, type Tokens } from 'marked';
import { shippedPath } from '../../core/shipped.ts';
import { FARO_COLLECT_PATH, RUNBOOK_VIEW_EVENT } from './views.ts';

/** Prometheus' alert name syntax (a metric name without colons); runbook file names must match it. */
const ALERT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Links that may be followed from a runbook; anything else (javascript:, data:, …) is rendered inert. */
const SAFE_HREF = /^(?:https?:|mailto:|#|\/|\.{1,2}\/|[^:/?#]+(?:[/?#]|$))/i;

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

const markdown = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // Raw HTML in a runbook is text, never markup: the page must not run or load anything.
    html({ text }: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(text);
    },
    link({ href, title, tokens }: Tokens.Link): string {
      const text = this.parser.parseInline(tokens);
      if (!SAFE_HREF.test(href)) return text;
      const t = title ? ` title="${escapeHtml(title)}"` : '';
      return `<a href="${escapeHtml(href)}"${t}>${text}</a>`;
    },
    // No external resources: an image becomes a link to it, labelled with its alt text.
    image({ href, text }: Tokens.Image): string {
      const label = escapeHtml(text || href);
      return SAFE_HREF.test(href) ? `<a href="${escapeHtml(href)}">${label}</a>` : label;
    },
  },
});

const STYLE = `
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.7rem; border-bottom: 2px solid #d33; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
code { font: .9em/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; background: rgba(127,127,127,.15); padding: .1em .3em; border-radius: 3px; }
pre { background: rgba(127,127,127,.12); padding: .8rem; overflow-x: auto; border-radius: 4px; }
pre code { background: none; padding: 0; }
footer { margin-top: 3rem; font-size: .85rem; opacity: .7; }
#alert-state { border-left: 4px solid #d33; padding: .1rem .9rem; background: rgba(127,127,127,.1); }
`.trim();

/**
 * Sends one `runbook_view` event through Faro. The alert name is read from the page (data-alertname)
 * so that this script, and its hash, is the same on every page. Only over http(s): a page saved to
 * disk has no agent to report to. Errors are swallowed: counting a view must never bother the reader.
 */
const VIEW_SCRIPT = `(function () {
  if (location.protocol !== 'http:' && location.protocol !== 'https:') return;
  var F = window.GrafanaFaroCore;
  var alertname = document.body.getAttribute('data-alertname');
  if (!F || !alertname) return;
  class CollectTransport extends F.BaseTransport {
    constructor() { super(); this.name = 'vigil-collect'; this.version = F.VERSION; }
    send(items) {
      var body = JSON.stringify(F.getTransportBody([].concat(items)));
      fetch(${JSON.stringify(FARO_COLLECT_PATH)}, { method: 'POST', body: body, keepalive: true, headers: { 'content-type': 'application/json' } }).catch(function () {});
    }
  }
  try {
    var faro = F.initializeFaro({
      app: { name: 'vigil-runbooks' },
      batching: { enabled: false },
      dedupe: true,
      globalObjectKey: 'faro',
      instrumentations: [],
      internalLoggerLevel: F.InternalLoggerLevel.OFF,
      isolate: true,
      metas: [],
      parseStacktrace: function () { return { frames: [] }; },
      paused: false,
      preventGlobalExposure: true,
      transports: [new CollectTransport()],
      unpatchedConsole: console,
      sessionTracking: { enabled: false },
    });
    faro.api.pushEvent(${JSON.stringify(RUNBOOK_VIEW_EVENT)}, { alertname: alertname });
  } catch (e) {}
})();`;

interface PageScripts {
  readonly html: string;
  /** The CSP script-src sources: the SHA-256 of each inline script. */
  readonly sources: string;
}

let scripts: PageScripts | undefined;
let scriptProblem: string | undefined;

/**
 * Faro's IIFE bundle and the view script, read once. Resolved through Node's module resolution so it
 * is found from the sources, from dist/ and from a packaged install (faro-core is a production
 * dependency). When the bundle cannot be read, pages are served without scripts (and with the strict
 * policy): the runbook matters, the view count does not. `runbookViewScriptProblem()` says why.
 */
function pageScripts(): PageScripts {
  if (scripts) return scripts;
  try {
    const bundlePath = createRequire(import.meta.url).resolve('@grafana/faro-core/dist/bundle/faro-core.iife.js');
    // The source map comment would make DevTools fetch a file the page cannot reach.
    const bundle = readFileSync(bundlePath, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S*\s*$/, '\n');
    const bodies = [bundle, VIEW_SCRIPT];
    // Either sequence would end or confuse the <script> element the text is inlined into.
    for (const b of bodies) if (/<\/script|<!--/i.test(b)) throw new Error(`${bundlePath}: cannot be inlined (contains "</script" or "<!--")`);
    scripts = {
      html: bodies.map((b) => `<script>${b}</script>\n`).join(''),
      sources: bodies.map((b) => `'sha256-${createHash('sha256').update(b, 'utf8').digest('base64')}'`).join(' '),
    };
  } catch (err) {
    scriptProblem = (err as Error).message;
    scripts = { html: '', sources: "'none'" };
  }
  return scripts;
}

/** Why runbook pages carry no view script, or undefined when they do. */
export function runbookViewScriptProblem(): string | undefined {
  pageScripts();
  return scriptProblem;
}

/**
 * Where the agent puts the alert's current state on this node and the link back to the node page
 * (plain HTML, filled per request; a runbook served without an agent keeps the empty comment).
 */
export const RUNBOOK_STATE_SLOT = '<!--vigil:alert-state-->';

/** A full HTML5 page for one runbook. `alertName` goes into the title (escaped). */
export function renderRunbook(markdownText: string, alertName: string): string {
  const body = markdown.parse(markdownText) as string;
  const name = escapeHtml(alertName);
  const { html: scriptTags, sources } = pageScripts();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src ${sources}; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'">
<title>${name} runbook · Vigil</title>
<style>${STYLE}</style>
</head>
<body data-alertname="${name}">
<main>
${RUNBOOK_STATE_SLOT}
${body}</main>
<footer>Runbook for the Vigil alert ${name}.</footer>
${scriptTags}</body>
</html>
`;
}

/**
 * Every `<AlertName>.md` in `dir`, rendered, keyed by alert name (every .md file there is a runbook;
 * one whose name is not a valid alert name is skipped). Synchronous: it runs once, when the alerting
 * stage starts.
 */
export function loadRunbooks(dir: string): Map<string, string> {
  const pages = new Map<string, string>();
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.md')) continue;
    const name = file.slice(0, -'.md'.length);
    if (!ALERT_NAME.test(name)) continue;
    pages.set(name, renderRunbook(readFileSync(path.join(dir, file), 'utf8'), name));
  }
  return pages;
}

/** The runbooks shipped with Vigil: alerts/runbooks/ in the sources, the same path under dist/ in the build (core/shipped.ts). */
export function shippedRunbooksDir(): string {
  return shippedPath('alerts/runbooks');
}
