// Which runbooks on-call engineers actually open. Each runbook page sends one Faro event,
// `runbook_view` with attribute `alertname`, to POST /faro/collect on the agent that served it; this
// module counts those events into vigil_runbook_views_total{alertname}.
// The body comes from a browser and is trusted for nothing: only alert names that have a runbook are
// counted (anything else would let a client mint label values), and one request counts an alert at most
// once (a page sends one event; a hand-made body listing an alert a thousand times is still one view).
import type { MetricSpec, Sample } from '../../core/samples.ts';

/** Where runbook pages send their Faro payload (same origin as the page). */
export const FARO_COLLECT_PATH = '/faro/collect';
/** The Faro event a runbook page sends once per load. */
export const RUNBOOK_VIEW_EVENT = 'runbook_view';
/** Largest Faro payload accepted; a runbook view is well under 2 KB. */
export const FARO_COLLECT_MAX_BYTES = 64 * 1024;

export const RUNBOOK_VIEW_METRICS: readonly MetricSpec[] = [
  {
    name: 'vigil_runbook_views_total',
    help: 'Runbook pages opened in a browser (sent by the page itself), per alert; only alerts that have a runbook are counted.',
    kind: 'counter',
    labels: ['alertname'],
  },
];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export class RunbookViews {
  private readonly counts = new Map<string, number>();

  /** `alertNames`: the alerts that have a runbook; every one is exported from 0 so rate() sees the first view. */
  constructor(alertNames: Iterable<string>) {
    for (const name of alertNames) this.counts.set(name, 0);
  }

  /**
   * Counts the runbook views in a Faro transport body (`{ meta, events: [{ name, attributes }] }`).
   * False when the body is not a Faro payload at all (the caller answers 400); true otherwise, even
   * when nothing in it was counted (other events, unknown alert names).
   */
  collect(body: unknown): boolean {
    if (!isRecord(body)) return false;
    const events = body.events;
    if (events === undefined) return true;
    if (!Array.isArray(events)) return false;
    const seen = new Set<string>();
    for (const event of events) {
      if (!isRecord(event) || event.name !== RUNBOOK_VIEW_EVENT || !isRecord(event.attributes)) continue;
      const name = event.attributes.alertname;
      if (typeof name !== 'string' || seen.has(name)) continue;
      const count = this.counts.get(name);
      if (count === undefined) continue;
      seen.add(name);
      this.counts.set(name, count + 1);
    }
    return true;
  }

  samples(): Sample[] {
    const out: Sample[] = [];
    for (const [alertname, value] of this.counts) out.push({ name: 'vigil_runbook_views_total', labels: { alertname }, value, kind: 'counter' });
    return out;
  }
}
