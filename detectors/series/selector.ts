// Selecting series by metric name and exact label values (the config's detector.series.include/exclude).
import type { Labels } from '../../core/samples.ts';

export interface SeriesSelector {
  readonly metric: string;
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

function matches(sel: SeriesSelector, metric: string, labels: Labels): boolean {
  if (sel.metric !== metric) return false;
  if (sel.labels === undefined) return true;
  for (const k in sel.labels) if (labels[k] !== sel.labels[k]) return false;
  return true;
}

export function matchesAny(sels: readonly SeriesSelector[], metric: string, labels: Labels): boolean {
  for (const s of sels) if (matches(s, metric, labels)) return true;
  return false;
}

/** A stable identity of a series: its name and labels in key order (as Prometheus prints them). */
export function seriesKey(metric: string, labels: Labels): string {
  let key = metric + '{';
  let first = true;
  for (const k of Object.keys(labels).sort()) {
    key += `${first ? '' : ','}${k}=${JSON.stringify(labels[k])}`;
    first = false;
  }
  return key + '}';
}
