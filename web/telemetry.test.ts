import { describe, expect, it } from 'vitest';
import { rateVital, WebTelemetry } from './telemetry.ts';

const value = (t: WebTelemetry, name: string, labels: Record<string, string>) =>
  t.samples().find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;

describe('WebTelemetry', () => {
  it('counts a node page view, its errors and vitals by rating', () => {
    const t = new WebTelemetry();
    t.collect({ meta: { app: { name: 'vigil-node-page' } }, events: [{ name: 'page_view' }, { name: 'page_view' }] });
    t.collect({ meta: { app: { name: 'vigil-node-page' } }, exceptions: [{ type: 'Error', value: 'x' }] });
    t.collect({
      meta: { app: { name: 'vigil-node-page' } },
      measurements: [{ type: 'web-vitals', values: { lcp: 800, cls: 0.3, inp: 300, ttfb: 5 } }, { values: { lcp: 9000 } }],
    });
    expect(value(t, 'vigil_web_page_views_total', { page: 'node' })).toBe(1);
    expect(value(t, 'vigil_web_errors_total', { page: 'node' })).toBe(1);
    expect(value(t, 'vigil_web_vitals_total', { page: 'node', vital: 'lcp', rating: 'good' })).toBe(1);
    expect(value(t, 'vigil_web_vitals_total', { page: 'node', vital: 'lcp', rating: 'poor' })).toBe(0);
    expect(value(t, 'vigil_web_vitals_total', { page: 'node', vital: 'cls', rating: 'poor' })).toBe(1);
    expect(value(t, 'vigil_web_vitals_total', { page: 'node', vital: 'inp', rating: 'needs_improvement' })).toBe(1);
  });

  it('counts runbook views as page="runbook" and caps errors per request', () => {
    const t = new WebTelemetry();
    t.collect({ meta: { app: { name: 'vigil-runbooks' } }, events: [{ name: 'runbook_view', attributes: { alertname: 'X' } }] });
    t.collect({ meta: { app: { name: 'vigil-node-page' } }, exceptions: Array.from({ length: 1000 }, () => ({})) });
    expect(value(t, 'vigil_web_page_views_total', { page: 'runbook' })).toBe(1);
    expect(value(t, 'vigil_web_errors_total', { page: 'node' })).toBe(10);
  });

  it('mints no label from a browser: unknown apps, vitals and junk count nothing, the series set is fixed', () => {
    const t = new WebTelemetry();
    const before = t.samples().map((s) => JSON.stringify([s.name, s.labels]));
    for (const body of [
      null,
      1,
      'x',
      [],
      {},
      { meta: {} },
      { meta: { app: { name: 'evil' } }, events: [{ name: 'page_view' }] },
      { meta: { app: { name: '__proto__' } }, events: [{ name: 'page_view' }] },
      { meta: { app: { name: 'vigil-node-page' } }, measurements: [{ values: { evil: 1, lcp: -1, cls: 'x' } }] },
    ]) {
      t.collect(body);
    }
    expect(t.samples().map((s) => JSON.stringify([s.name, s.labels]))).toEqual(before);
    expect(t.samples().every((s) => s.value === 0)).toBe(true);
    expect(before).toHaveLength(2 + 1 + 3 * 3);
  });

  it('rates vitals with web.dev thresholds', () => {
    expect(rateVital('lcp', 2500)).toBe('good');
    expect(rateVital('lcp', 2501)).toBe('needs_improvement');
    expect(rateVital('inp', 501)).toBe('poor');
    expect(rateVital('fid', 1)).toBeUndefined();
  });
});
