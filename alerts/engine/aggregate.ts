// Aggregation operators, transcribed from Prometheus 2.42's evaluator.aggregation (same update
// order per element, same heap for topk/bottomk, so that values and tie-breaks agree).
import type { Labels } from '../../core/samples.ts';
import type { VectorSample } from './api.ts';
import type { AggregateOp } from './ast.ts';
import { EvaluationError } from './errors.ts';
import { METRIC_NAME, keepOnly, sortedNames, without as withoutLabels } from './labels.ts';
import { quantile } from './range-functions.ts';

interface Group {
  readonly labels: Labels;
  value: number;
  mean: number;
  count: number;
  heap: VectorSample[] | null;
}

type Less = (a: VectorSample, b: VectorSample) => boolean;
const topLess: Less = (a, b) => Number.isNaN(a.value) || a.value < b.value;
const bottomLess: Less = (a, b) => Number.isNaN(a.value) || a.value > b.value;

// container/heap's up and down, so that ties resolve as in Go.
function up(h: VectorSample[], j: number, less: Less): void {
  for (;;) {
    const i = Math.trunc((j - 1) / 2);
    if (i === j || !less(h[j] as VectorSample, h[i] as VectorSample)) break;
    [h[i], h[j]] = [h[j] as VectorSample, h[i] as VectorSample];
    j = i;
  }
}

function down(h: VectorSample[], i0: number, n: number, less: Less): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(h[j2] as VectorSample, h[j1] as VectorSample)) j = j2;
    if (!less(h[j] as VectorSample, h[i] as VectorSample)) break;
    [h[i], h[j]] = [h[j] as VectorSample, h[i] as VectorSample];
    i = j;
  }
}

function heapPush(h: VectorSample[], s: VectorSample, less: Less): void {
  h.push(s);
  up(h, h.length - 1, less);
}

function heapPop(h: VectorSample[], less: Less): void {
  const n = h.length - 1;
  [h[0], h[n]] = [h[n] as VectorSample, h[0] as VectorSample];
  down(h, 0, n, less);
  h.pop();
}

const MAX_INT64 = 2 ** 63;

export function aggregate(op: AggregateOp, vec: readonly VectorSample[], grouping: readonly string[], without: boolean, param: number): VectorSample[] {
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    if (!(param >= -MAX_INT64 && param < MAX_INT64)) throw new EvaluationError(`Scalar value ${param} overflows int64`);
    k = Math.trunc(param);
    if (k < 1) return [];
  }
  const less = op === 'bottomk' ? bottomLess : topLess;
  const sortedGrouping = [...grouping].sort();
  const dropped = without ? [...grouping, METRIC_NAME] : [];
  const groups = new Map<string, Group>();
  const ordered: Group[] = [];
  for (const s of vec) {
    const key = groupingKey(s.labels, sortedGrouping, without);
    const group = groups.get(key);
    if (group === undefined) {
      const labels = without ? withoutLabels(s.labels, dropped) : keepOnly(s.labels, grouping);
      const g: Group = { labels, value: s.value, mean: s.value, count: 1, heap: null };
      if (op === 'stddev' || op === 'stdvar') g.value = 0;
      else if (op === 'group') g.value = 1;
      else if (op === 'topk' || op === 'bottomk' || op === 'quantile') g.heap = [s];
      groups.set(key, g);
      ordered.push(g);
      continue;
    }
    switch (op) {
      case 'sum':
        group.value += s.value;
        break;
      case 'avg': {
        group.count++;
        const x = s.value;
        if (!Number.isFinite(group.mean) && !Number.isNaN(group.mean)) {
          if (!Number.isFinite(x) && !Number.isNaN(x) && group.mean > 0 === x > 0) break;
          if (Number.isFinite(x)) break;
        }
        // Dividing each side by the count avoids overflow, at the price of Prometheus' rounding.
        group.mean += x / group.count - group.mean / group.count;
        break;
      }
      case 'group':
        break;
      case 'max':
        if (group.value < s.value || Number.isNaN(group.value)) group.value = s.value;
        break;
      case 'min':
        if (group.value > s.value || Number.isNaN(group.value)) group.value = s.value;
        break;
      case 'count':
        group.count++;
        break;
      case 'stddev':
      case 'stdvar': {
        group.count++;
        const delta = s.value - group.mean;
        group.mean += delta / group.count;
        group.value += delta * (s.value - group.mean);
        break;
      }
      case 'topk':
      case 'bottomk': {
        const h = group.heap as VectorSample[];
        const top = (h[0] as VectorSample).value;
        const better = op === 'topk' ? top < s.value : top > s.value;
        if (h.length < k || better || Number.isNaN(top)) {
          if (h.length === k) {
            if (k === 1) {
              h[0] = s;
              break;
            }
            heapPop(h, less);
          }
          heapPush(h, s, less);
        }
        break;
      }
      case 'quantile':
        (group.heap as VectorSample[]).push(s);
        break;
    }
  }
  const out: VectorSample[] = [];
  for (const g of ordered) {
    switch (op) {
      case 'avg':
        g.value = g.mean;
        break;
      case 'count':
        g.value = g.count;
        break;
      case 'stdvar':
        g.value = g.value / g.count;
        break;
      case 'stddev':
        g.value = Math.sqrt(g.value / g.count);
        break;
      case 'topk':
      case 'bottomk': {
        const h = [...(g.heap as VectorSample[])];
        h.sort((a, b) => (less(a, b) ? 1 : less(b, a) ? -1 : 0));
        for (const s of h) out.push(s);
        continue;
      }
      case 'quantile':
        g.value = quantile(
          param,
          (g.heap as VectorSample[]).map((s) => s.value),
        );
        break;
      default:
        break;
    }
    out.push({ labels: g.labels, value: g.value });
  }
  return out;
}

function groupingKey(labels: Labels, sortedGrouping: readonly string[], without: boolean): string {
  let k = '';
  if (without) {
    for (const name of sortedNames(labels)) {
      if (name === METRIC_NAME || sortedGrouping.includes(name)) continue;
      k += `${name}\xfe${labels[name] ?? ''}\xff`;
    }
    return k;
  }
  for (const name of sortedGrouping) {
    const value = labels[name];
    if (value !== undefined && value !== '') k += `${name}\xfe${value}\xff`;
  }
  return k;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest round-trip digits, never an exponent. */
function formatFloatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(s);
  if (m === null) return Object.is(v, -0) ? '-0' : s;
  const [, sign, lead, frac = '', expText] = m;
  const digits = `${lead}${frac}`;
  const exp = Number(expText);
  if (exp >= 0) return `${sign}${digits.padEnd(exp + 1, '0')}`;
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** count_values("label", v): per group, how many elements have each value (Prometheus 2.42). */
export function countValues(vec: readonly VectorSample[], valueLabel: string, grouping: readonly string[], without: boolean): VectorSample[] {
  const effective = without ? grouping : [...grouping, valueLabel].sort();
  const dropped = [...grouping, METRIC_NAME];
  const groups = new Map<string, { labels: Labels; count: number }>();
  const ordered: Array<{ labels: Labels; count: number }> = [];
  for (const s of vec) {
    const metric: Record<string, string> = { ...s.labels, [valueLabel]: formatFloatF(s.value) };
    const key = groupingKey(metric, effective, without);
    const g = groups.get(key);
    if (g !== undefined) {
      g.count++;
      continue;
    }
    const labels = without ? withoutLabels(metric, dropped) : keepOnly(metric, effective);
    const created = { labels, count: 1 };
    groups.set(key, created);
    ordered.push(created);
  }
  return ordered.map((g) => ({ labels: g.labels, value: g.count }));
}
