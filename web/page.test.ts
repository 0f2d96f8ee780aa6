import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderNodePage } from './page.ts';
import { PAGE_SCRIPT, TELEMETRY_SCRIPT } from './page-script.ts';

const opts = { nodeName: 'db-1', version: '1.2.3', intervalMs: 10_000, faroUrl: '' };
const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

describe('the node page document', () => {
  it('allows exactly its inline scripts and style by hash, and connections to its own origin', () => {
    const page = renderNodePage(opts);
    expect(page.telemetryProblem).toBeUndefined();
    const inline = [...page.html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(inline).toHaveLength(3);
    expect(inline.slice(1)).toEqual([TELEMETRY_SCRIPT, PAGE_SCRIPT]);
    const scriptSrc = /script-src ([^;]+)/.exec(page.csp)![1]!.split(' ');
    expect(scriptSrc).toEqual(inline.map(hash));
    const style = /<style>([\s\S]*?)<\/style>/.exec(page.html)![1]!;
    expect(page.csp).toContain(`style-src ${hash(style)}`);
    expect(page.csp).toContain("connect-src 'self';");
    expect(page.csp).toContain("default-src 'none'");
    expect(page.csp).not.toContain('unsafe');
  });

  it('weighs under 150 KB and loads nothing from elsewhere', () => {
    const { html } = renderNodePage(opts);
    expect(Buffer.byteLength(html)).toBeLessThan(150 * 1024);
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
  });

  it('escapes the node name and allows a configured Faro collector origin', () => {
    const page = renderNodePage({ ...opts, nodeName: '<b>"x"</b>', faroUrl: 'http://alloy.monitoring:12347/collect' });
    expect(page.html).toContain('<title>&lt;b&gt;&quot;x&quot;&lt;/b&gt; · Vigil</title>');
    expect(page.html).not.toContain('<b>"x"</b>');
    expect(page.csp).toContain("connect-src 'self' http://alloy.monitoring:12347;");
    expect(page.html).toContain('data-faro-url="http://alloy.monitoring:12347/collect"');
  });

  it('scripts are plain text that survives String.raw (no template syntax leaked in)', () => {
    for (const s of [PAGE_SCRIPT, TELEMETRY_SCRIPT]) {
      expect(s).not.toContain('`');
      expect(s).not.toContain('${');
      expect(() => new Function(s)).not.toThrow();
    }
  });
});
