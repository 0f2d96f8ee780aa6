// The OTLP sink's own health, declared as data; the agent adds the samples to every tick's snapshot.
import { counter, type MetricSpec, type Sample } from '../../core/samples.ts';
import type { Signal } from './settings.ts';

export const OTLP_METRICS: readonly MetricSpec[] = [
  {
    name: 'vigil_otlp_exports_total',
    help: "OTLP export requests completed (after the exporter's own retries), by signal.",
    kind: 'counter',
    labels: ['signal'],
  },
  {
    name: 'vigil_otlp_export_failures_total',
    help: "OTLP export requests that failed after the exporter's own retries (their data is lost), by signal.",
    kind: 'counter',
    labels: ['signal'],
  },
];

const LABELS: Record<Signal, { readonly signal: Signal }> = { metrics: Object.freeze({ signal: 'metrics' }), traces: Object.freeze({ signal: 'traces' }) };

export class ExportCounts {
  readonly exports: Record<Signal, number> = { metrics: 0, traces: 0 };
  readonly failures: Record<Signal, number> = { metrics: 0, traces: 0 };

  samples(signals: readonly Signal[]): Sample[] {
    const out: Sample[] = [];
    for (const s of signals) {
      out.push(counter('vigil_otlp_exports_total', LABELS[s], this.exports[s]));
      out.push(counter('vigil_otlp_export_failures_total', LABELS[s], this.failures[s]));
    }
    return out;
  }
}
