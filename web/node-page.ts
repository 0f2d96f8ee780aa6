// The node page as one object the agent wires: fed once per tick (update), asked for its samples,
// given Faro payloads, and asked to answer GET / and /api/v1/{status,anomalies,series}. Also renders
// the block a runbook page shows about its alert on this node.
import type { MetricSpec, Sample } from '../core/samples.ts';
import type { TickOutput } from '../core/tick-output.ts';
import { apiRequest } from './api.ts';
import { escapeHtml } from './html.ts';
import { type CollectorHealth, type NodeInfo, NodeState } from './node-state.ts';
import type { NodePageConfig } from './options.ts';
import { type NodePage as RenderedPage, renderNodePage } from './page.ts';
import { WEB_METRICS, WebTelemetry } from './telemetry.ts';

export const NODE_PAGE_METRICS: readonly MetricSpec[] = [
  ...WEB_METRICS,
  { name: 'vigil_node_page_series', help: 'Monitored series whose recent values and scores the node page keeps.', kind: 'gauge', labels: [] },
  {
    name: 'vigil_node_page_ring_bytes',
    help: "Bytes of the node page's per-series rings (values, scores, anomaly marks, tick times).",
    kind: 'gauge',
    labels: [],
  },
  {
    name: 'vigil_node_page_series_dropped_total',
    help: 'Scored series not kept by the node page because nodePage.maxSeries were kept (per tick and series).',
    kind: 'counter',
    labels: [],
  },
];

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

export class NodePageService {
  readonly state: NodeState;
  private readonly telemetry = new WebTelemetry();
  private readonly page: RenderedPage;

  constructor(config: NodePageConfig, info: NodeInfo) {
    this.state = new NodeState(info, { ringPoints: config.points, maxSeries: config.maxSeries });
    this.page = renderNodePage({ nodeName: info.nodeName, version: info.version, intervalMs: info.intervalMs, faroUrl: config.faroUrl });
  }

  /** Why the page carries no Faro telemetry, or undefined. */
  get telemetryProblem(): string | undefined {
    return this.page.telemetryProblem;
  }

  update(output: TickOutput, collectors: readonly CollectorHealth[], tickDurationSeconds: number): void {
    this.state.update(output, collectors, tickDurationSeconds);
  }

  /** Counts a Faro payload from a Vigil page (see telemetry.ts). */
  faroCollect(body: unknown): void {
    this.telemetry.collect(body);
  }

  samples(): Sample[] {
    const rings = this.state.rings;
    return [
      ...this.telemetry.samples(),
      { name: 'vigil_node_page_series', labels: {}, value: rings.size, kind: 'gauge' },
      { name: 'vigil_node_page_ring_bytes', labels: {}, value: rings.arrayBytes(), kind: 'gauge' },
      { name: 'vigil_node_page_series_dropped_total', labels: {}, value: rings.dropped, kind: 'counter' },
    ];
  }

  /** Answers GET / and the API paths; undefined for any other path. `query` is the raw text after "?". */
  handle(path: string, query: string, now: number): HttpAnswer | undefined {
    if (path === '/') {
      return {
        status: 200,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': this.page.csp,
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        },
        body: this.page.html,
      };
    }
    const api = apiRequest(this.state, path, query, now);
    return api === undefined ? undefined : { status: api.status, headers: JSON_HEADERS, body: JSON.stringify(api.body) };
  }

  /** The HTML block a runbook page shows at its top: the alert's state on this node now, and the way back to the node page. */
  runbookState(alertName: string, now: number): string {
    const alerts = this.state.alertsNamed(alertName);
    const node = escapeHtml(this.state.info.nodeName);
    let state = 'inactive';
    let text = `${escapeHtml(alertName)} is not firing or pending on ${node}.`;
    if (alerts.length > 0) {
      const a = alerts[0]!;
      state = a.state;
      const ago = (ms: number) => `${Math.max(0, Math.round((now - ms) / 1000))} s ago`;
      const when =
        a.state === 'resolved'
          ? `resolved ${ago(a.resolvedAt ?? now)}`
          : a.state === 'firing'
            ? `firing since ${new Date(a.firedAt ?? a.activeAt).toISOString()}`
            : `pending since ${new Date(a.activeAt).toISOString()}`;
      text = `${escapeHtml(alertName)} on ${node}: <strong>${escapeHtml(a.state)}</strong> (${when}), value ${escapeHtml(a.value)}${alerts.length > 1 ? `, ${alerts.length} instances` : ''}.${a.summary ? ` ${escapeHtml(a.summary)}` : ''}`;
    }
    return `<aside id="alert-state" data-state="${state}" aria-label="state on this node"><p>${text} As of ${escapeHtml(new Date(now).toISOString())}.</p><p><a href="/">← The node page of ${node}</a>: what else looks abnormal.</p></aside>\n`;
  }
}
