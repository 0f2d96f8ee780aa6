// Runbooks (alerts/runbooks/<AlertName>.md) rendered as standalone HTML pages for GET /runbooks/<name>.
// An on-call engineer opens them from a page at 3 a.m., possibly from a network that reaches only the
// node: so every page is self-contained (inline CSS, no scripts, no fonts, no images fetched) and a
// Content-Security-Policy forbids loading anything else. Markdown is parsed by `marked`; raw HTML in the
// markdown is shown as text, and links keep only safe schemes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Marked, type Tokens } from 'marked';

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
`.trim();

/** A full HTML5 page for one runbook. `alertName` goes into the title (escaped). */
export function renderRunbook(markdownText: string, alertName: string): string {
  const body = markdown.parse(markdownText) as string;
  const name = escapeHtml(alertName);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'">
<title>${name} runbook · Vigil</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}</main>
<footer>Runbook for the Vigil alert ${name}.</footer>
</body>
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

/**
 * The runbooks shipped with Vigil: beside this file when run from source, and at the repository's
 * alerts/runbooks/ when run compiled from dist/ (tsc does not copy .md files).
 */
export function shippedRunbooksDir(): string {
  const candidates = [new URL('./', import.meta.url), new URL('../../../alerts/runbooks/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(path.join(dir, 'PostgresDown.md'))) return dir;
  }
  return fileURLToPath(candidates[0]!);
}
