// Builds the metrics reference (docs/metrics.md) from the metric declarations of every registered
// component (collectors, detectors, sinks) and of the agent's own stages.
import { collectorList } from '../collectors/registry.ts';
import { SELF_METRICS } from '../agent/self-metrics.ts';
import type { MetricSpec } from '../core/samples.ts';
import { HISTORY_METRICS } from '../alerts/engine/history-metrics.ts';
import { RULE_METRICS } from '../alerts/rules/rule-manager.ts';
import { RUNBOOK_VIEW_METRICS } from '../alerts/runbooks/views.ts';
import { detectorList } from '../detectors/registry.ts';
import { INFERENCE_HISTOGRAM } from '../detectors/scoring/metrics.ts';
import { sinkList } from '../sinks/registry.ts';
import { NODE_PAGE_METRICS } from '../web/node-page.ts';

/** The families of the stages after collection, by the component (or stage) that emits them. */
export const STAGE_METRIC_GROUPS: ReadonlyArray<{ readonly title: string; readonly owner: string; readonly metrics: readonly MetricSpec[] }> = [
  ...detectorList.map((d) => ({ title: `Detector \`${d.name}\` (options at \`${d.configKey}\`)`, owner: 'detector', metrics: d.metrics })),
  { title: 'Alert rules (only when rules are loaded)', owner: 'alerting', metrics: [...RULE_METRICS, ...HISTORY_METRICS] },
  { title: 'Runbook page views', owner: 'alerting', metrics: RUNBOOK_VIEW_METRICS },
  { title: 'Node page (GET /; emitted while `nodePage.enabled`)', owner: 'web', metrics: NODE_PAGE_METRICS },
  ...sinkList.map((f) => ({ title: `Sink \`${f.name}\` (options at \`${f.configKey}\`; emitted while it is enabled)`, owner: 'sink', metrics: f.metrics })),
];

/** Families served from the SDK's live instruments rather than the tick snapshot. */
export const LIVE_METRICS = [
  { name: 'vigil_tick_duration_seconds', kind: 'histogram', labels: [] as string[], help: 'Duration of one tick: collect, detect, evaluate, emit.' },
  { name: INFERENCE_HISTOGRAM.name, kind: 'histogram', labels: [], help: INFERENCE_HISTOGRAM.help },
  { name: 'process_cpu_seconds_total', kind: 'counter', labels: [], help: 'Total user and system CPU time spent in seconds.' },
  { name: 'process_resident_memory_bytes', kind: 'gauge', labels: [], help: 'Resident memory size in bytes.' },
  { name: 'process_heap_bytes', kind: 'gauge', labels: [], help: 'Process heap size in bytes.' },
  { name: 'process_start_time_seconds', kind: 'gauge', labels: [], help: 'Start time of the process since unix epoch in seconds.' },
  { name: 'process_open_fds', kind: 'gauge', labels: [], help: 'Number of open file descriptors.' },
];

const row = (name: string, kind: string, labels: readonly string[], help: string) =>
  `| \`${name}\` | ${kind} | ${labels.map((l) => `\`${l}\``).join(', ')} | ${help.replace(/\|/g, '\\|')} |`;

export function metricsReference(): string {
  const lines = [
    '# Metrics reference',
    '',
    'Generated from the declarations of every registered component (`npm run generate`); a test fails when this file is stale.',
    'Host metrics keep node_exporter 1.x names, types and label keys, so existing dashboards and alerts work unchanged.',
    '',
  ];
  for (const f of collectorList) {
    const when = f.configKey !== undefined ? ` (on when \`${f.configKey}:\` is configured)` : f.defaultEnabled ? '' : ' (off by default)';
    lines.push(`## Collector \`${f.name}\`${when}`, '', '| metric | type | labels | help |', '|---|---|---|---|');
    for (const m of f.metrics) lines.push(row(m.name, m.kind, m.labels, m.help));
    for (const d of f.dynamicMetrics ?? []) lines.push(row(d.displayName, d.kind, d.labels, d.help('<Field>')));
    lines.push('');
  }
  for (const g of STAGE_METRIC_GROUPS) {
    lines.push(`## ${g.title}`, '', '| metric | type | labels | help |', '|---|---|---|---|');
    for (const m of g.metrics) lines.push(row(m.name, m.kind, m.labels, m.help));
    lines.push('');
  }
  lines.push('## Vigil itself', '', '| metric | type | labels | help |', '|---|---|---|---|');
  for (const m of SELF_METRICS) lines.push(row(m.name, m.kind, m.labels, m.help));
  for (const m of LIVE_METRICS) lines.push(row(m.name, m.kind, m.labels, m.help));
  lines.push('');
  return lines.join('\n');
}
