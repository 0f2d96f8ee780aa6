import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { escapeHtml, loadRunbooks, renderRunbook, shippedRunbooksDir } from './render.ts';

/** The rendered markdown: what the page shows, without the page's own view scripts. */
const mainOf = (html: string): string => html.slice(html.indexOf('<main>'), html.indexOf('</main>'));
const cspOf = (html: string): string => /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!;
const inlineScripts = (html: string): string[] => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);

describe('renderRunbook', () => {
  it('is a full HTML5 page titled with the alert name, with inline CSS and a CSP that loads nothing', () => {
    const html = renderRunbook('# PostgresDown\n\n## Meaning\n\nText.\n', 'PostgresDown');
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<title>PostgresDown runbook · Vigil</title>');
    expect(html).toContain('<h1>PostgresDown</h1>');
    expect(html).toContain('<h2>Meaning</h2>');
    expect(html).toMatch(/<style>[^<]+<\/style>/);
    expect(cspOf(html)).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+' 'sha256-[A-Za-z0-9+/=]+'; connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'$/,
    );
    // Nothing is loaded from elsewhere: no external script, stylesheet, image or frame.
    expect(html).not.toMatch(/<link|<img|<iframe|src=/i);
    expect(html).not.toMatch(/<script[^>]/i);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('inlines Faro and the view script, allowed by their exact SHA-256 in script-src and nothing else', () => {
    const html = renderRunbook('# PostgresDown\n', 'PostgresDown');
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(2);
    expect(scripts[0]).toContain('var GrafanaFaroCore=');
    expect(scripts[0]).not.toContain('sourceMappingURL');
    expect(scripts[1]).toContain('F.initializeFaro(');
    expect(scripts[1]).toContain('"runbook_view"');
    expect(scripts[1]).toContain('"/faro/collect"');
    expect(scripts[1]).toContain('keepalive: true');
    const hashes = scripts.map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`);
    expect(/script-src ([^;]+);/.exec(cspOf(html))![1]).toBe(hashes.join(' '));
    expect(html).toContain('<body data-alertname="PostgresDown">');
    // The same scripts on every page: the alert name is read from the page.
    expect(inlineScripts(renderRunbook('# X\n', 'NodeCPUHighUsage'))).toEqual(scripts);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
  });

  it('renders code blocks with their content escaped', () => {
    const html = renderRunbook('```sh\ndf -h /var | grep "<x>" && echo \'&\'\n```\n', 'X');
    expect(html).toContain('<pre><code class="language-sh">df -h /var | grep &quot;&lt;x&gt;&quot; &amp;&amp; echo &#39;&amp;&#39;\n</code></pre>');
  });

  it('shows raw HTML as text instead of running or loading it', () => {
    const page = renderRunbook('Hello <script>alert(1)</script>\n\n<img src="http://evil.example/x.png">\n', 'X');
    const html = mainOf(page);
    expect(html).not.toContain('<script>');
    expect(inlineScripts(page)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=&quot;http://evil.example/x.png&quot;&gt;');
  });

  it('keeps http(s), mailto and relative links, and makes javascript: and data: links inert', () => {
    const html = renderRunbook(
      '[a](https://example.com/a?b=1&c=2) [m](mailto:oncall@example.com) [r](../runbooks/PostgresDown) [j](javascript:alert(1)) [d](data:text/html,x)\n',
      'X',
    );
    expect(html).toContain('<a href="https://example.com/a?b=1&amp;c=2">a</a>');
    expect(html).toContain('<a href="mailto:oncall@example.com">m</a>');
    expect(html).toContain('<a href="../runbooks/PostgresDown">r</a>');
    expect(html).not.toMatch(/href="(javascript|data):/);
    expect(html).toMatch(/ j /);
  });

  it('turns images into links so that the page fetches nothing', () => {
    const html = renderRunbook('![disk graph](https://grafana.example/render.png)\n', 'X');
    expect(html).toContain('<a href="https://grafana.example/render.png">disk graph</a>');
    expect(html).not.toContain('<img');
  });

  it('escapes the alert name in the title and footer', () => {
    const html = renderRunbook('# x\n', 'A<b>&"');
    expect(html).toContain('<title>A&lt;b&gt;&amp;&quot; runbook · Vigil</title>');
    expect(html).toContain('<body data-alertname="A&lt;b&gt;&amp;&quot;">');
    expect(html).not.toContain('A<b>');
    expect(escapeHtml(`<'&">`)).toBe('&lt;&#39;&amp;&quot;&gt;');
  });
});

describe('loadRunbooks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-runbooks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renders every <AlertName>.md keyed by alert name and skips other files', () => {
    writeFileSync(path.join(dir, 'DiskFull.md'), '# DiskFull\n\n## Meaning\n\nFull.\n');
    writeFileSync(path.join(dir, 'Other_Alert2.md'), '# Other\n');
    writeFileSync(path.join(dir, 'not-an-alert.md'), '# no\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'no');
    const pages = loadRunbooks(dir);
    expect([...pages.keys()]).toEqual(['DiskFull', 'Other_Alert2']);
    expect(pages.get('DiskFull')).toContain('<h2>Meaning</h2>');
    expect(pages.get('DiskFull')).toContain('<title>DiskFull runbook · Vigil</title>');
  });

  it('finds the shipped runbooks', () => {
    const pages = loadRunbooks(shippedRunbooksDir());
    expect(pages.get('PostgresReplicaNotStreaming')).toContain('<h1>PostgresReplicaNotStreaming</h1>');
    expect(pages.size).toBeGreaterThanOrEqual(16);
  });
});
