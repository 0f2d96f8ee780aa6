// Vigil's own health, as metric declarations (data, like every collector's) and the per-tick samples.
import type { MetricSpec, Sample } from '../core/samples.ts';
import { counter, gauge } from '../core/samples.ts';
import { STATE_WRITE_METRICS, stateWrites } from '../core/state-writes.ts';
import { HOST_READ_METRICS, hostReadSamples } from '../collectors/read.ts';

export const SELF_METRICS: readonly MetricSpec[] = [
  { name: 'node_scrape_collector_success', help: 'node_exporter: Whether a collector succeeded.', kind: 'gauge', labels: ['collector'] },
  { name: 'node_scrape_collector_duration_seconds', help: 'node_exporter: Duration of a collector scrape.', kind: 'gauge', labels: ['collector'] },
  {
    name: 'vigil_collector_parse_errors_total',
    help: 'Lines or entries a collector skipped because they did not parse.',
    kind: 'counter',
    labels: ['collector'],
  },
  { name: 'vigil_ticks_total', help: 'Ticks (collect, detect, alert, emit passes) completed.', kind: 'counter', labels: [] },
  { name: 'vigil_tick_overruns_total', help: 'Ticks skipped because the previous tick was still running.', kind: 'counter', labels: [] },
  { name: 'vigil_build_info', help: 'A metric with a constant 1 value labeled by the version of Vigil.', kind: 'gauge', labels: ['version'] },
  { name: 'vigil_config_last_reload_successful', help: 'Whether the last configuration reload attempt was successful.', kind: 'gauge', labels: [] },
  {
    name: 'vigil_config_last_reload_success_timestamp_seconds',
    help: 'Timestamp of the last successful configuration reload (the start counts as one).',
    kind: 'gauge',
    labels: [],
  },
  // The HTTP server's own (agent/server.ts), with the web config.
  {
    name: 'vigil_http_unauthorized_requests_total',
    help: 'Requests refused with 401 because their basic auth credentials were missing or wrong (web config).',
    kind: 'counter',
    labels: [],
  },
  {
    name: 'vigil_http_tls_handshake_errors_total',
    help: 'TLS handshakes that failed: no or an untrusted client certificate, a protocol or cipher the web config refuses.',
    kind: 'counter',
    labels: [],
  },
  {
    name: 'vigil_http_requests_limited_total',
    help: 'Requests refused with 503 because web.maxRequests requests were already in flight.',
    kind: 'counter',
    labels: [],
  },
  {
    name: 'vigil_http_connections_dropped_total',
    help: 'Connections closed as soon as accepted because web.maxConnections connections were open.',
    kind: 'counter',
    labels: [],
  },
  {
    name: 'vigil_scrape_cache_builds_total',
    help: 'Times the /metrics text was built: at most once per tick, and once per second of scrapes for the live process metrics.',
    kind: 'counter',
    labels: [],
  },
  ...STATE_WRITE_METRICS,
  ...HOST_READ_METRICS,
];

/** The outcome of the latest reload, as Prometheus reports its own (prometheus_config_last_reload_*). */
export interface ReloadStatus {
  successful: boolean;
  successTimestampSeconds: number;
}

/** Per-collector outcome of one tick. */
export interface CollectorOutcome {
  readonly labels: { readonly collector: string };
  success: boolean;
  durationSeconds: number;
  parseErrorsTotal: number;
  /** The message of the latest failure (kept after recovery; the node page shows it). */
  lastError?: string;
  /** ms since the epoch of the latest failure. */
  lastErrorAt?: number;
}

export function selfSamples(
  outcomes: readonly CollectorOutcome[],
  counts: { ticks: number; overruns: number },
  buildLabels: { readonly version: string },
  reload: ReloadStatus,
): Sample[] {
  const out: Sample[] = [];
  for (const o of outcomes) {
    out.push(gauge('node_scrape_collector_success', o.labels, o.success ? 1 : 0));
    out.push(gauge('node_scrape_collector_duration_seconds', o.labels, o.durationSeconds));
    out.push(counter('vigil_collector_parse_errors_total', o.labels, o.parseErrorsTotal));
  }
  out.push(counter('vigil_ticks_total', {}, counts.ticks));
  out.push(counter('vigil_tick_overruns_total', {}, counts.overruns));
  out.push(gauge('vigil_build_info', buildLabels, 1));
  out.push(gauge('vigil_config_last_reload_successful', {}, reload.successful ? 1 : 0));
  out.push(gauge('vigil_config_last_reload_success_timestamp_seconds', {}, reload.successTimestampSeconds));
  for (const s of stateWrites.samples()) out.push(s);
  for (const s of hostReadSamples()) out.push(s);
  return out;
}
