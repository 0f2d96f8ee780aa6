// Browser telemetry from Vigil's own pages (the node page and runbook pages), sent through Grafana
// Faro's core to POST /faro/collect and counted into a fixed set of series: page views, errors and web
// vitals by rating. Nothing a browser sends becomes a label value: the page comes from a fixed list
// (by the Faro app name), the vital from a fixed list, the rating from web.dev's thresholds applied
// here. One request counts at most one view per page and one observation per vital.
import type { MetricSpec, Sample } from '../core/samples.ts';

/** Faro app names of Vigil's pages → the `page` label. */
const FARO_APPS: Readonly<Record<string, string>> = { 'vigil-node-page': 'node', 'vigil-runbooks': 'runbook' };
/** The pages that report errors and vitals (runbook pages report their view only). */
const REPORTING_PAGES = new Set(['node']);
/** The events that mean "a page was opened". */
const VIEW_EVENTS = new Set(['page_view', 'runbook_view']);
/** web.dev thresholds: good ≤ first, poor > second (LCP and INP in ms, CLS unitless). */
const VITALS: Readonly<Record<string, readonly [number, number]>> = { lcp: [2500, 4000], cls: [0.1, 0.25], inp: [200, 500] };
const RATINGS = ['good', 'needs_improvement', 'poor'] as const;
/** Errors counted from one request at most (a loop throwing cannot inflate the count per request). */
const MAX_ERRORS_PER_REQUEST = 10;

export const WEB_METRICS: readonly MetricSpec[] = [
  {
    name: 'vigil_web_page_views_total',
    help: "Vigil's pages (node page, runbooks) opened in a browser, as the page reports it.",
    kind: 'counter',
    labels: ['page'],
  },
  { name: 'vigil_web_errors_total', help: 'JavaScript errors reported by the node page (at most 10 per report).', kind: 'counter', labels: ['page'] },
  {
    name: 'vigil_web_vitals_total',
    help: 'Web vitals reported by the node page (lcp, cls, inp, where the browser measures them), by web.dev rating (good, needs_improvement, poor).',
    kind: 'counter',
    labels: ['page', 'vital', 'rating'],
  },
];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function rateVital(vital: string, value: number): (typeof RATINGS)[number] | undefined {
  const t = VITALS[vital];
  if (t === undefined || !Number.isFinite(value) || value < 0) return undefined;
  return value <= t[0] ? 'good' : value <= t[1] ? 'needs_improvement' : 'poor';
}

export class WebTelemetry {
  private readonly views = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private readonly vitals = new Map<string, number>();

  constructor() {
    for (const page of Object.values(FARO_APPS)) {
      this.views.set(page, 0);
      if (!REPORTING_PAGES.has(page)) continue;
      this.errors.set(page, 0);
      for (const vital of Object.keys(VITALS)) for (const rating of RATINGS) this.vitals.set(`${page}\u0000${vital}\u0000${rating}`, 0);
    }
  }

  /** Counts what a Faro body reports; bodies from other apps, or not Faro-shaped, count nothing. */
  collect(body: unknown): void {
    if (!isRecord(body) || !isRecord(body.meta) || !isRecord(body.meta.app)) return;
    const appName = body.meta.app.name;
    const page = typeof appName === 'string' && Object.hasOwn(FARO_APPS, appName) ? FARO_APPS[appName]! : undefined;
    if (page === undefined) return;
    if (Array.isArray(body.events) && body.events.some((e) => isRecord(e) && typeof e.name === 'string' && VIEW_EVENTS.has(e.name))) {
      this.views.set(page, this.views.get(page)! + 1);
    }
    if (!REPORTING_PAGES.has(page)) return;
    if (Array.isArray(body.exceptions) && body.exceptions.length > 0) {
      this.errors.set(page, this.errors.get(page)! + Math.min(MAX_ERRORS_PER_REQUEST, body.exceptions.length));
    }
    if (Array.isArray(body.measurements)) {
      const seen = new Set<string>();
      for (const m of body.measurements) {
        if (!isRecord(m) || !isRecord(m.values)) continue;
        for (const [vital, value] of Object.entries(m.values)) {
          if (seen.has(vital) || typeof value !== 'number') continue;
          const rating = rateVital(vital, value);
          if (rating === undefined) continue;
          seen.add(vital);
          const key = `${page}\u0000${vital}\u0000${rating}`;
          this.vitals.set(key, this.vitals.get(key)! + 1);
        }
      }
    }
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const [page, value] of this.views) out.push({ name: 'vigil_web_page_views_total', labels: { page }, value, kind: 'counter' });
    for (const [page, value] of this.errors) out.push({ name: 'vigil_web_errors_total', labels: { page }, value, kind: 'counter' });
    for (const [key, value] of this.vitals) {
      const [page, vital, rating] = key.split('\u0000') as [string, string, string];
      out.push({ name: 'vigil_web_vitals_total', labels: { page, vital, rating }, value, kind: 'counter' });
    }
    return out;
  }
}
