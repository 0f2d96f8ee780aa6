// Label-set helpers with Prometheus' meaning: a label set is its sorted name/value pairs, and a
// missing label is the same as an empty one.
import type { Labels } from '../../core/samples.ts';
import { EvaluationError } from './errors.ts';
import type { VectorSample } from './api.ts';

export const METRIC_NAME = '__name__';
const SEP = '\xff';
const KV = '\xfe';

/** Label sets from the history are long-lived, so their keys are worth remembering. */
const keyCache = new WeakMap<Labels, string>();

const namesCache = new WeakMap<Labels, readonly string[]>();
const withoutNameCache = new WeakMap<Labels, Labels>();

/** The label names in sorted order (remembered per label set). */
export function sortedNames(labels: Labels): readonly string[] {
  let names = namesCache.get(labels);
  if (names === undefined) {
    names = Object.keys(labels).sort();
    namesCache.set(labels, names);
  }
  return names;
}

/**
 * The key of one series among the series of its metric name (the history's per-name maps): its
 * labels without `__name__`. One function for live samples (labels without the name) and restored
 * series (labels with it), so that a series restored after a restart is the same series as the one
 * collected live. Computed without remembering it: snapshot label sets are transient.
 */
export function seriesKeyInName(labels: Labels): string {
  let k = '';
  for (const name of Object.keys(labels).sort()) if (name !== METRIC_NAME) k += name + KV + (labels[name] ?? '') + SEP;
  return k;
}

export function labelsKey(labels: Labels): string {
  let k = keyCache.get(labels);
  if (k === undefined) {
    k = '';
    for (const name of sortedNames(labels)) k += name + KV + (labels[name] ?? '') + SEP;
    keyCache.set(labels, k);
  }
  return k;
}

/** The label set without __name__; the same object for the same input, so later caches hit too. */
export function dropMetricName(labels: Labels): Labels {
  if (labels[METRIC_NAME] === undefined) return labels;
  let out = withoutNameCache.get(labels);
  if (out === undefined) {
    const copy: Record<string, string> = {};
    for (const name in labels) if (name !== METRIC_NAME) copy[name] = labels[name] as string;
    out = copy;
    withoutNameCache.set(labels, out);
  }
  return out;
}

/** The matching key of `on(names)` (names sorted) or `ignoring(names)` (which also ignores __name__). */
export function signature(labels: Labels, on: boolean, names: readonly string[]): string {
  let k = '';
  if (on) {
    for (const name of names) {
      const value = labels[name];
      if (value !== undefined && value !== '') k += name + KV + value + SEP;
    }
    return k;
  }
  for (const name of sortedNames(labels)) {
    if (name === METRIC_NAME || names.includes(name)) continue;
    const value = labels[name] ?? '';
    if (value !== '') k += name + KV + value + SEP;
  }
  return k;
}

/** A copy with `set` applied; an empty value deletes, as labels.Builder does. */
export function withLabels(labels: Labels, set: Readonly<Record<string, string>>, del: readonly string[] = []): Labels {
  const out: Record<string, string> = {};
  for (const name in labels) if (!del.includes(name) && !(name in set)) out[name] = labels[name] as string;
  for (const name in set) if (set[name] !== '') out[name] = set[name] as string;
  return out;
}

export function keepOnly(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = labels[name];
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

export function without(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name in labels) if (!names.includes(name)) out[name] = labels[name] as string;
  return out;
}

export function formatLabels(labels: Labels): string {
  return `{${Object.keys(labels)
    .sort()
    .map((n) => `${n}=${JSON.stringify(labels[n])}`)
    .join(', ')}}`;
}

/** Prometheus refuses a result in which two elements have the same label set. */
export function assertUniqueLabelSets(samples: readonly VectorSample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw new EvaluationError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}
