// Builds the metrics reference (docs/metrics.md) from the metric declarations next to each collector.
import { collectorList } from '../collectors/registry.ts';
import { SELF_METRICS } from '../agent/self-metrics.ts';

/** Families served from the SDK's live instruments rather than the tick snapshot. */
export const LIVE_METRICS = [
  { name: 'vigil_tick_duration_seconds', kind: 'histogram', labels: [] as string[], help: 'Duration of one tick: collect, detect, evaluate, emit.' },
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
    'Generated from the declarations beside each collector (`npm run docs`); a test fails when this file is stale.',
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
  lines.push('## Vigil itself', '', '| metric | type | labels | help |', '|---|---|---|---|');
  for (const m of SELF_METRICS) lines.push(row(m.name, m.kind, m.labels, m.help));
  for (const m of LIVE_METRICS) lines.push(row(m.name, m.kind, m.labels, m.help));
  lines.push('');
  return lines.join('\n');
}
