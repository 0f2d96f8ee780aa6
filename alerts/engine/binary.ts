// Binary operators between scalars and instant vectors, with vector matching, transcribed from
// Prometheus 2.42 (VectorBinop, VectorscalarBinop, VectorAnd/Or/Unless, resultMetric).
import type { Labels } from '../../core/samples.ts';
import type { VectorSample } from './api.ts';
import type { BinaryOp, VectorMatching } from './ast.ts';
import { isComparison } from './ast.ts';
import { EvaluationError } from './errors.ts';
import { dropMetricName, formatLabels, keepOnly, labelsKey, signature } from './labels.ts';
import { goPow } from './gomath.ts';

const dropsName = (op: BinaryOp): boolean => op === '+' || op === '-' || op === '*' || op === '/' || op === '%' || op === '^';

/** Whether the last elem() comparison held (arithmetic always keeps); a module variable, not a tuple per sample. */
let kept = true;

/** The operation's value; a comparison returns the left value and sets `kept` to whether it holds. */
function elem(op: BinaryOp, l: number, r: number): number {
  kept = true;
  switch (op) {
    case '+':
      return l + r;
    case '-':
      return l - r;
    case '*':
      return l * r;
    case '/':
      return l / r;
    case '%':
      return l % r;
    case '^':
      return goPow(l, r);
    case '==':
      kept = l === r;
      return l;
    case '!=':
      kept = l !== r;
      return l;
    case '>':
      kept = l > r;
      return l;
    case '<':
      kept = l < r;
      return l;
    case '>=':
      kept = l >= r;
      return l;
    case '<=':
      kept = l <= r;
      return l;
    default:
      throw new Error(`set operator ${op} between numbers`);
  }
}

export function scalarBinop(op: BinaryOp, l: number, r: number): number {
  const value = elem(op, l, r);
  return isComparison(op) ? (kept ? 1 : 0) : value;
}

/** `swap`: the scalar was on the left. */
export function vectorScalarBinop(op: BinaryOp, vec: readonly VectorSample[], scalar: number, swap: boolean, returnBool: boolean): VectorSample[] {
  const out: VectorSample[] = [];
  const comparison = isComparison(op);
  for (const s of vec) {
    const lv = swap ? scalar : s.value;
    const rv = swap ? s.value : scalar;
    let value = elem(op, lv, rv);
    let keep = kept;
    // A comparison always returns the vector element's value, whichever side it was on.
    if (comparison && swap) value = rv;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    out.push({ labels: dropsName(op) || returnBool ? dropMetricName(s.labels) : s.labels, value });
  }
  return out;
}

function resultMetric(lhs: Labels, rhs: Labels, op: BinaryOp, m: VectorMatching): Labels {
  let labels = lhs;
  if (dropsName(op)) labels = dropMetricName(labels);
  if (m.card === 'one-to-one') {
    if (m.on) labels = keepOnly(labels, m.labels);
    else if (m.labels.length > 0) {
      const out: Record<string, string> = {};
      for (const name in labels) if (!m.labels.includes(name)) out[name] = labels[name] as string;
      labels = out;
    }
  }
  if (m.include.length > 0) {
    const out: Record<string, string> = { ...labels };
    // group_x labels come from the "one" side; an empty value there removes the label.
    for (const name of m.include) {
      const value = rhs[name];
      if (value !== undefined && value !== '') out[name] = value;
      else delete out[name];
    }
    labels = out;
  }
  return labels;
}

export function vectorBinop(
  op: BinaryOp,
  lhsIn: readonly VectorSample[],
  rhsIn: readonly VectorSample[],
  m: VectorMatching,
  returnBool: boolean,
): VectorSample[] {
  const names = [...m.labels].sort();
  let lhs = lhsIn;
  let rhs = rhsIn;
  if (m.card === 'one-to-many') [lhs, rhs] = [rhs, lhs];
  const rightSigs = new Map<string, VectorSample>();
  for (const rs of rhs) {
    const sig = signature(rs.labels, m.on, names);
    const dupl = rightSigs.get(sig);
    if (dupl !== undefined) {
      const side = m.card === 'one-to-many' ? 'left' : 'right';
      throw new EvaluationError(
        `found duplicate series for the match group on the ${side} hand-side of the operation: [${formatLabels(rs.labels)}, ${formatLabels(dupl.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(sig, rs);
  }
  const matched = new Map<string, Set<string> | null>();
  const out: VectorSample[] = [];
  for (const ls of lhs) {
    const sig = signature(ls.labels, m.on, names);
    const rs = rightSigs.get(sig);
    if (rs === undefined) continue;
    const swapped = m.card === 'one-to-many';
    let value = elem(op, swapped ? rs.value : ls.value, swapped ? ls.value : rs.value);
    const keep = kept;
    if (returnBool) value = keep ? 1 : 0;
    else if (!keep) continue;
    let metric = resultMetric(ls.labels, rs.labels, op, m);
    if (returnBool) metric = dropMetricName(metric);
    const inserted = matched.get(sig);
    if (m.card === 'one-to-one') {
      if (inserted !== undefined) throw new EvaluationError('multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)');
      matched.set(sig, null);
    } else {
      const key = labelsKey(metric);
      if (inserted === undefined || inserted === null) matched.set(sig, new Set([key]));
      else if (inserted.has(key)) throw new EvaluationError('multiple matches for labels: grouping labels must ensure unique matches');
      else inserted.add(key);
    }
    out.push({ labels: metric, value });
  }
  return out;
}

export function setOperation(op: 'and' | 'or' | 'unless', lhs: readonly VectorSample[], rhs: readonly VectorSample[], m: VectorMatching): VectorSample[] {
  const names = [...m.labels].sort();
  const sig = (s: VectorSample): string => signature(s.labels, m.on, names);
  if (op === 'and') {
    if (lhs.length === 0 || rhs.length === 0) return [];
    const right = new Set(rhs.map(sig));
    return lhs.filter((s) => right.has(sig(s)));
  }
  if (op === 'or') {
    if (lhs.length === 0) return [...rhs];
    if (rhs.length === 0) return [...lhs];
    const left = new Set(lhs.map(sig));
    return [...lhs, ...rhs.filter((s) => !left.has(sig(s)))];
  }
  if (lhs.length === 0 || rhs.length === 0) return [...lhs];
  const right = new Set(rhs.map(sig));
  return lhs.filter((s) => !right.has(sig(s)));
}
