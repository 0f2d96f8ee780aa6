// The rule history's own figures, declared as data; the alerting stage adds them to each snapshot
// (HistoryStore.stats() → historySamples) so that a cap being hit shows on /metrics.
import { type MetricSpec, type Sample, counter, gauge, NO_LABELS } from '../../core/samples.ts';
import type { HistoryStats } from './history.ts';

export const HISTORY_METRICS: readonly MetricSpec[] = [
  { name: 'vigil_rule_history_series', help: 'Series kept in the rule history (only metric names some rule reads).', kind: 'gauge', labels: [] },
  { name: 'vigil_rule_history_points', help: 'Points (samples and staleness markers) kept in the rule history.', kind: 'gauge', labels: [] },
  { name: 'vigil_rule_history_dropped_samples_total', help: 'Samples not stored because the rule history was at its series cap.', kind: 'counter', labels: [] },
  {
    name: 'vigil_rule_history_dropped_points_total',
    help: 'Points dropped from the rule history by the per-series cap or because they arrived out of order.',
    kind: 'counter',
    labels: [],
  },
];

export function historySamples(stats: HistoryStats): Sample[] {
  return [
    gauge('vigil_rule_history_series', NO_LABELS, stats.series),
    gauge('vigil_rule_history_points', NO_LABELS, stats.points),
    counter('vigil_rule_history_dropped_samples_total', NO_LABELS, stats.droppedSamples),
    counter('vigil_rule_history_dropped_points_total', NO_LABELS, stats.droppedPoints),
  ];
}
