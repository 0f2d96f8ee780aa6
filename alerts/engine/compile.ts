// Expression text → checked tree (ast.ts), parsed with the official grammar (lezer-promql). Type
// checks follow Prometheus 2.42's parser; constructs the agent cannot evaluate are compile errors
// with a one-line reason, so a rule file fails at load, not at 3 a.m.
import { parser } from '@prometheus-io/lezer-promql';
import { LOOKBACK_DELTA_MS } from './api.ts';
import type { CompiledExpr, ExprError, HistoryReader, QueryValue } from './api.ts';
import type { AggregateOp, BinaryOp, Cardinality, Expr, FunctionName, MatrixSelectorNode, ValueType, VectorMatching, VectorSelectorNode } from './ast.ts';
import { isComparison, isSetOp } from './ast.ts';
import { evaluateExpr } from './evaluate.ts';
import { parseDuration, parseNumber, unquoteString } from './literals.ts';
import { type LabelMatcher, type MatchType, makeMatcher, matchesValue } from './matchers.ts';
import { translateGoRegex } from './regex.ts';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type CompileResult = { ok: true; expr: CompiledExpr } | { ok: false; errors: ExprError[] };

interface Signature {
  readonly args: readonly ValueType[];
  readonly ret: ValueType;
  readonly optional?: number;
}
const v: ValueType = 'vector';
const m: ValueType = 'matrix';
const s: ValueType = 'scalar';
const str: ValueType = 'string';
/** Every function the agent evaluates, with its argument types; docs/promql-subset.md lists these (a test checks). */
export const FUNCTIONS: Readonly<Record<FunctionName, Signature>> = {
  rate: { args: [m], ret: v },
  irate: { args: [m], ret: v },
  increase: { args: [m], ret: v },
  delta: { args: [m], ret: v },
  idelta: { args: [m], ret: v },
  deriv: { args: [m], ret: v },
  predict_linear: { args: [m, s], ret: v },
  avg_over_time: { args: [m], ret: v },
  min_over_time: { args: [m], ret: v },
  max_over_time: { args: [m], ret: v },
  sum_over_time: { args: [m], ret: v },
  count_over_time: { args: [m], ret: v },
  stddev_over_time: { args: [m], ret: v },
  stdvar_over_time: { args: [m], ret: v },
  last_over_time: { args: [m], ret: v },
  present_over_time: { args: [m], ret: v },
  quantile_over_time: { args: [s, m], ret: v },
  changes: { args: [m], ret: v },
  resets: { args: [m], ret: v },
  absent: { args: [v], ret: v },
  absent_over_time: { args: [m], ret: v },
  time: { args: [], ret: s },
  vector: { args: [s], ret: v },
  scalar: { args: [v], ret: s },
  abs: { args: [v], ret: v },
  ceil: { args: [v], ret: v },
  floor: { args: [v], ret: v },
  round: { args: [v, s], ret: v, optional: 1 },
  clamp: { args: [v, s, s], ret: v },
  clamp_min: { args: [v, s], ret: v },
  clamp_max: { args: [v, s], ret: v },
  label_replace: { args: [v, str, str, str, str], ret: v },
  timestamp: { args: [v], ret: v },
};

/** Every aggregation the agent evaluates, by its PromQL name; docs/promql-subset.md lists these (a test checks). */
export const AGGREGATIONS: Readonly<Record<string, AggregateOp>> = {
  sum: 'sum',
  avg: 'avg',
  min: 'min',
  max: 'max',
  count: 'count',
  group: 'group',
  stddev: 'stddev',
  stdvar: 'stdvar',
  topk: 'topk',
  bottomk: 'bottomk',
  quantile: 'quantile',
  count_values: 'count_values',
};

const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const MATCH_OPS: Readonly<Record<string, MatchType>> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const TYPE_NAMES: Readonly<Record<ValueType, string>> = { scalar: 'scalar', vector: 'instant vector', matrix: 'range vector', string: 'string' };

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Raised inside the builder; turned into an ExprError at the node that caused it. */
class Problem {
  readonly message: string;
  readonly from: number;
  readonly to: number;
  constructor(message: string, node: { from: number; to: number }) {
    this.message = message;
    this.from = node.from;
    this.to = node.to;
  }
}

interface Typed {
  readonly node: Expr;
  readonly type: ValueType;
}

class Builder {
  readonly text: string;
  /** Per metric name, the longest history any selector of it reads. */
  readonly lookback = new Map<string, number>();
  /** Selectors without a fixed metric name, with the history they read. */
  readonly nameSelectors: Array<{ matchers: readonly LabelMatcher[]; lookbackMs: number }> = [];
  constructor(text: string) {
    this.text = text;
  }

  src(n: SyntaxNode): string {
    return this.text.slice(n.from, n.to);
  }

  children(n: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = n.firstChild; c !== null; c = c.nextSibling) out.push(c);
    return out;
  }

  child(n: SyntaxNode, name: string): SyntaxNode | null {
    return n.getChild(name);
  }

  exprChildren(n: SyntaxNode): SyntaxNode[] {
    return this.children(n).filter((c) => c.type.is('Expr'));
  }

  build(n: SyntaxNode): Typed {
    switch (n.name) {
      case 'PromQL': {
        const [e] = this.exprChildren(n);
        if (e === undefined) throw new Problem('empty expression', n);
        return this.build(e);
      }
      case 'ParenExpr': {
        const [e] = this.exprChildren(n);
        if (e === undefined) throw new Problem('empty parentheses', n);
        return this.build(e);
      }
      case 'NumberDurationLiteral': {
        const p = parseNumber(this.src(n).replace(/\s+/g, ''));
        if (!p.ok) throw new Problem(p.reason, n);
        return { node: { type: 'number', value: p.value }, type: 'scalar' };
      }
      case 'StringLiteral':
        return { node: { type: 'string', value: this.string(n) }, type: 'string' };
      case 'VectorSelector':
        return { node: this.vectorSelector(n, 0), type: 'vector' };
      case 'MatrixSelector':
        return { node: this.matrixSelector(n, 0), type: 'matrix' };
      case 'OffsetExpr':
        return this.offset(n);
      case 'FunctionCall':
        return this.call(n);
      case 'AggregateExpr':
        return this.aggregate(n);
      case 'BinaryExpr':
        return this.binary(n);
      case 'UnaryExpr':
        return this.unary(n);
      case 'SubqueryExpr':
        throw new Problem('subqueries are not supported by the agent', n);
      case 'StepInvariantExpr':
        throw new Problem('the @ modifier is not supported by the agent', n);
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        throw new Problem(`the ${n.name === 'AnchoredExpr' ? 'anchored' : 'smoothed'} modifier is not supported by the agent (nor by Prometheus 2.42)`, n);
      default:
        throw new Problem(`unexpected ${n.name} "${this.src(n)}"`, n);
    }
  }

  string(n: SyntaxNode): string {
    const p = unquoteString(this.src(n));
    if (!p.ok) throw new Problem(p.reason, n);
    return p.value;
  }

  duration(n: SyntaxNode): number {
    // DurationExpr / OffsetDurationExpr: only a plain literal (with an optional sign for offsets).
    const kids = this.children(n);
    if (kids.length === 1 && kids[0]?.name === 'NumberDurationLiteralInDurationContext') {
      const p = parseDuration(this.src(kids[0]));
      if (!p.ok) throw new Problem(p.reason, kids[0]);
      return p.value;
    }
    if (kids.length === 2 && kids[0]?.name === 'UnaryOp' && kids[1]?.name === 'OffsetDurationExpr') {
      const d = this.duration(kids[1]);
      return this.src(kids[0]) === '-' ? -d : d;
    }
    throw new Problem('duration arithmetic is not supported by the agent (nor by Prometheus 2.42)', n);
  }

  vectorSelector(n: SyntaxNode, offsetMs: number): VectorSelectorNode {
    const ident = this.child(n, 'Identifier');
    let metricName = ident === null ? null : this.src(ident);
    const matchers: LabelMatcher[] = [];
    const nameMatchers: LabelMatcher[] = [];
    const all: LabelMatcher[] = [];
    const lm = this.child(n, 'LabelMatchers');
    if (lm !== null) {
      for (const c of this.children(lm)) {
        if (c.type.isError) continue;
        if (c.name !== 'UnquotedLabelMatcher') throw new Problem('quoted label names are not supported by the agent (nor by Prometheus 2.42)', c);
        const nameNode = this.child(c, 'LabelName');
        const opNode = this.child(c, 'MatchOp')?.firstChild ?? null;
        const valueNode = this.child(c, 'StringLiteral');
        if (nameNode === null || opNode === null || valueNode === null) throw new Problem('incomplete label matcher', c);
        const type = MATCH_OPS[opNode.name];
        if (type === undefined) throw new Problem(`unknown match operator ${this.src(opNode)}`, opNode);
        const made = makeMatcher(this.src(nameNode), type, this.string(valueNode));
        if ('error' in made) throw new Problem(made.error, valueNode);
        all.push(made);
        if (made.name === '__name__') {
          if (ident !== null) throw new Problem(`metric name must not be set twice: "${metricName}" or "${made.value}"`, c);
          nameMatchers.push(made);
          continue;
        }
        matchers.push(made);
      }
    }
    // One `__name__="x"` matcher names the metric as an identifier does; anything else selects names.
    if (ident === null && nameMatchers.length === 1 && nameMatchers[0]!.type === '=') {
      metricName = nameMatchers[0]!.value;
      nameMatchers.length = 0;
    }
    if (ident !== null && metricName !== null) all.unshift({ name: '__name__', type: '=', value: metricName, regex: null });
    if (!all.some((x) => !matchesValue(x, ''))) throw new Problem('vector selector must contain at least one non-empty matcher', n);
    if (metricName === null) this.nameSelectors.push({ matchers: nameMatchers, lookbackMs: Math.max(0, offsetMs + LOOKBACK_DELTA_MS) });
    else this.note(metricName, offsetMs + LOOKBACK_DELTA_MS);
    return { type: 'vectorSelector', metricName, nameMatchers, matchers, allMatchers: all, offsetMs };
  }

  matrixSelector(n: SyntaxNode, offsetMs: number): MatrixSelectorNode {
    const [inner] = this.exprChildren(n);
    const range = this.child(n, 'DurationExpr');
    if (inner === undefined || range === null) throw new Problem('incomplete range selector', n);
    const rangeMs = this.duration(range);
    if (rangeMs <= 0) throw new Problem('range must be greater than zero', range);
    let sel: VectorSelectorNode;
    if (inner.name === 'VectorSelector') sel = this.vectorSelector(inner, offsetMs);
    else if (inner.name === 'OffsetExpr') {
      const t = this.offset(inner);
      if (t.node.type !== 'vectorSelector') throw new Problem('ranges only allowed for vector selectors', inner);
      sel = t.node;
    } else throw new Problem('ranges only allowed for vector selectors', inner);
    if (sel.metricName !== null) this.note(sel.metricName, sel.offsetMs + rangeMs);
    else this.nameSelectors.push({ matchers: sel.nameMatchers, lookbackMs: Math.max(0, sel.offsetMs + rangeMs) });
    return { type: 'matrixSelector', selector: sel, rangeMs };
  }

  offset(n: SyntaxNode): Typed {
    const [inner] = this.exprChildren(n);
    const d = this.child(n, 'OffsetDurationExpr');
    if (inner === undefined || d === null) throw new Problem('incomplete offset', n);
    const ms = this.duration(d);
    if (inner.name === 'VectorSelector') return { node: this.vectorSelector(inner, ms), type: 'vector' };
    if (inner.name === 'MatrixSelector') return { node: this.matrixSelector(inner, ms), type: 'matrix' };
    if (inner.name === 'OffsetExpr') throw new Problem('offset may not be set multiple times', n);
    throw new Problem('offset modifier must be preceded by an instant vector selector or range vector selector', n);
  }

  note(metric: string, ms: number): void {
    this.lookback.set(metric, Math.max(this.lookback.get(metric) ?? 0, ms, 0));
  }

  call(n: SyntaxNode): Typed {
    const id = this.child(n, 'FunctionIdentifier');
    const body = this.child(n, 'FunctionCallBody');
    if (id === null || body === null) throw new Problem('incomplete function call', n);
    const name = this.src(id);
    const sig = (FUNCTIONS as Readonly<Record<string, Signature | undefined>>)[name];
    if (sig === undefined) throw new Problem(`function ${name} is not supported by the agent`, id);
    const argNodes = this.exprChildren(body);
    const min = sig.args.length - (sig.optional ?? 0);
    if (argNodes.length < min || argNodes.length > sig.args.length) {
      const expected = min === sig.args.length ? `${min}` : `${min} to ${sig.args.length}`;
      throw new Problem(`expected ${expected} argument(s) in call to "${name}", got ${argNodes.length}`, n);
    }
    const args: Expr[] = [];
    argNodes.forEach((a, i) => {
      const t = this.build(a);
      const want = sig.args[i] ?? 'scalar';
      if (t.type !== want) throw new Problem(`expected type ${TYPE_NAMES[want]} in call to function "${name}", got ${TYPE_NAMES[t.type]}`, a);
      args.push(t.node);
    });
    if (name === 'label_replace') this.checkLabelReplace(args, argNodes);
    return { node: { type: 'call', fn: name as FunctionName, args }, type: sig.ret };
  }

  checkLabelReplace(args: readonly Expr[], nodes: readonly SyntaxNode[]): void {
    const dst = args[1];
    const re = args[4];
    if (dst?.type === 'string' && !LABEL_NAME.test(dst.value))
      throw new Problem(`invalid destination label name in label_replace(): ${dst.value}`, nodes[1] ?? (nodes[0] as SyntaxNode));
    if (re?.type === 'string') {
      const tr = translateGoRegex(re.value);
      if (!tr.ok) throw new Problem(tr.reason, nodes[4] ?? (nodes[0] as SyntaxNode));
    }
  }

  grouping(n: SyntaxNode): string[] {
    const out: string[] = [];
    for (const c of this.children(n)) {
      if (c.name === 'LabelName') out.push(this.src(c));
      else if (c.name === 'QuotedLabelName') throw new Problem('quoted label names are not supported by the agent (nor by Prometheus 2.42)', c);
    }
    return out;
  }

  aggregate(n: SyntaxNode): Typed {
    const opNode = this.child(n, 'AggregateOp');
    const body = this.child(n, 'FunctionCallBody');
    if (opNode === null || body === null) throw new Problem('incomplete aggregation', n);
    const opName = this.src(opNode).toLowerCase();
    const op = AGGREGATIONS[opName];
    if (op === undefined) throw new Problem(`aggregation ${opName} is not supported by the agent`, opNode);
    const mod = this.child(n, 'AggregateModifier');
    const without = mod?.getChild('Without') !== null && mod !== null;
    const groupingNode = mod?.getChild('GroupingLabels') ?? null;
    const grouping = groupingNode === null ? [] : this.grouping(groupingNode);
    const argNodes = this.exprChildren(body);
    const takesParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const want = takesParam ? 2 : 1;
    if (argNodes.length !== want)
      throw new Problem(`wrong number of arguments for aggregate expression provided, expected ${want}, got ${argNodes.length}`, body);
    let param: Expr | null = null;
    if (takesParam) {
      const p = this.build(argNodes[0] as SyntaxNode);
      const wanted: ValueType = op === 'count_values' ? 'string' : 'scalar';
      if (p.type !== wanted)
        throw new Problem(`expected type ${TYPE_NAMES[wanted]} in aggregation parameter, got ${TYPE_NAMES[p.type]}`, argNodes[0] as SyntaxNode);
      if (p.node.type === 'string' && !LABEL_NAME.test(p.node.value)) throw new Problem(`invalid label name "${p.node.value}"`, argNodes[0] as SyntaxNode);
      param = p.node;
    }
    const exprNode = argNodes[argNodes.length - 1] as SyntaxNode;
    const e = this.build(exprNode);
    if (e.type !== 'vector') throw new Problem(`expected type instant vector in aggregation expression, got ${TYPE_NAMES[e.type]}`, exprNode);
    for (const g of grouping) if (!LABEL_NAME.test(g)) throw new Problem(`invalid label name ${g}`, groupingNode ?? n);
    return { node: { type: 'aggregate', op, param, expr: e.node, grouping, without }, type: 'vector' };
  }

  binary(n: SyntaxNode): Typed {
    const kids = this.children(n);
    const exprs = kids.filter((c) => c.type.is('Expr'));
    const opNode = kids.find((c) => !c.type.is('Expr') && c.name !== 'BoolModifier' && c.name !== 'MatchingModifierClause' && c.name !== 'FillModifier');
    const [l, r] = exprs;
    if (l === undefined || r === undefined || opNode === undefined) throw new Problem('incomplete binary expression', n);
    const op = BINARY_OPS[opNode.name];
    if (op === undefined) throw new Problem(`binary operator ${this.src(opNode)} is not supported by the agent`, opNode);
    if (this.child(n, 'FillModifier') !== null) throw new Problem('fill modifiers are not supported by the agent (nor by Prometheus 2.42)', n);
    const returnBool = this.child(n, 'BoolModifier') !== null;
    const clause = this.child(n, 'MatchingModifierClause');
    const lhs = this.build(l);
    const rhs = this.build(r);
    for (const [side, node] of [
      [lhs, l],
      [rhs, r],
    ] as const) {
      if (side.type !== 'scalar' && side.type !== 'vector') throw new Problem('binary expression must contain only scalar and instant vector types', node);
    }
    if (returnBool && !isComparison(op)) throw new Problem('bool modifier can only be used on comparison operators', n);
    if (isComparison(op) && !returnBool && lhs.type === 'scalar' && rhs.type === 'scalar')
      throw new Problem('comparisons between scalars must use BOOL modifier', n);
    if (isSetOp(op) && (lhs.type === 'scalar' || rhs.type === 'scalar')) throw new Problem(`set operator "${op}" not allowed in binary scalar expression`, n);
    const bothVectors = lhs.type === 'vector' && rhs.type === 'vector';
    if (clause !== null && !bothVectors) throw new Problem('vector matching only allowed between instant vectors', clause);
    let matching: VectorMatching | null = null;
    if (bothVectors) matching = this.matching(clause, op);
    const type: ValueType = bothVectors || lhs.type === 'vector' || rhs.type === 'vector' ? 'vector' : 'scalar';
    return { node: { type: 'binary', op, lhs: lhs.node, rhs: rhs.node, returnBool, matching }, type };
  }

  matching(clause: SyntaxNode | null, op: BinaryOp): VectorMatching {
    let card: Cardinality = isSetOp(op) ? 'many-to-many' : 'one-to-one';
    if (clause === null) return { card, on: false, labels: [], include: [] };
    const on = clause.getChild('On') !== null;
    const groups = clause.getChildren('GroupingLabels');
    const labels = groups[0] === undefined ? [] : this.grouping(groups[0]);
    const include = groups[1] === undefined ? [] : this.grouping(groups[1]);
    if (clause.getChild('GroupLeft') !== null) card = 'many-to-one';
    if (clause.getChild('GroupRight') !== null) card = 'one-to-many';
    if (isSetOp(op) && card !== 'many-to-many') throw new Problem(`no grouping allowed for "${op}" operation`, clause);
    if (on) for (const l of include) if (labels.includes(l)) throw new Problem(`label "${l}" must not occur in ON and GROUP clause at once`, clause);
    return { card, on, labels, include };
  }

  unary(n: SyntaxNode): Typed {
    const op = this.child(n, 'UnaryOp');
    const [e] = this.exprChildren(n);
    if (op === null || e === undefined) throw new Problem('incomplete unary expression', n);
    const t = this.build(e);
    if (t.type !== 'scalar' && t.type !== 'vector') throw new Problem('unary expression only allowed on expressions of type scalar or instant vector', n);
    return { node: { type: 'unary', negate: this.src(op) === '-', expr: t.node }, type: t.type };
  }
}

function syntaxErrors(text: string, top: SyntaxNode): ExprError[] {
  const errors: ExprError[] = [];
  const cursor = top.cursor();
  do {
    if (!cursor.type.isError) continue;
    const from = cursor.from;
    const to = cursor.to;
    const found = text.slice(from, to);
    const message =
      from >= text.trimEnd().length
        ? 'syntax error: unexpected end of input'
        : found === ''
          ? `syntax error: unexpected "${text.slice(from, from + 1)}"`
          : `syntax error: unexpected "${found}"`;
    if (!errors.some((e) => e.from === from)) errors.push({ message, from, to: Math.max(to, Math.min(from + 1, text.length)) });
  } while (cursor.next());
  return errors;
}

/**
 * The labels of a series written as a selector with only = matchers (`up{job="a"}`), as promtool's
 * input_series names series. For tests and tools; undefined when it is not one.
 */
export function parseSeriesLabels(text: string): Record<string, string> | undefined {
  const tree = parser.parse(text);
  const top = tree.topNode.firstChild;
  if (top === null || top.name !== 'VectorSelector' || syntaxErrors(text, tree.topNode).length > 0) return undefined;
  try {
    const sel = new Builder(text).vectorSelector(top, 0);
    if (sel.allMatchers.some((x) => x.type !== '=')) return undefined;
    return Object.fromEntries(sel.allMatchers.filter((x) => x.value !== '').map((x) => [x.name, x.value]));
  } catch {
    return undefined;
  }
}

export function compileExpr(text: string): CompileResult {
  if (text.trim() === '') return { ok: false, errors: [{ message: 'empty expression', from: 0, to: 0 }] };
  const tree = parser.parse(text);
  const syntax = syntaxErrors(text, tree.topNode);
  if (syntax.length > 0) {
    // Functions of Prometheus 2.42 that the grammar no longer knows read as syntax errors there.
    const gone = /\b(holt_winters)\s*\(/.exec(text);
    if (gone !== null)
      return { ok: false, errors: [{ message: `function ${gone[1]} is not supported by the agent`, from: gone.index, to: gone.index + gone[1]!.length }] };
    return { ok: false, errors: syntax };
  }
  const b = new Builder(text);
  let root: Typed;
  try {
    root = b.build(tree.topNode);
  } catch (err) {
    if (err instanceof Problem) return { ok: false, errors: [{ message: err.message, from: err.from, to: err.to }] };
    throw err;
  }
  if (root.type === 'matrix') {
    return { ok: false, errors: [{ message: 'expression must be a scalar, an instant vector or a string, not a range vector', from: 0, to: text.length }] };
  }
  const node = root.node;
  const lookbackByMetric: ReadonlyMap<string, number> = b.lookback;
  const expr: CompiledExpr = {
    text,
    lookbackMs: Math.max(0, ...lookbackByMetric.values(), ...b.nameSelectors.map((ns) => ns.lookbackMs)),
    metricNames: [...lookbackByMetric.keys()],
    lookbackByMetric,
    nameSelectors: b.nameSelectors.map((ns) => ({ matches: (name: string) => ns.matchers.every((m) => matchesValue(m, name)), lookbackMs: ns.lookbackMs })),
    evaluate: (history: HistoryReader, atMs: number): QueryValue => evaluateExpr(node, history, atMs),
  };
  return { ok: true, expr };
}
