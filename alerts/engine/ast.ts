// The checked syntax tree the evaluator walks. Built from lezer-promql's tree by compile.ts; every
// node here is supported by the agent (unsupported constructs never get this far).
import type { LabelMatcher } from './matchers.ts';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

interface NumberNode {
  readonly type: 'number';
  readonly value: number;
}
interface StringNode {
  readonly type: 'string';
  readonly value: string;
}

export interface VectorSelectorNode {
  readonly type: 'vectorSelector';
  /** The name given by the identifier or a `__name__="…"` matcher; null when other matchers choose the names. */
  readonly metricName: string | null;
  /** Matchers on `__name__` when metricName is null (regex, negative, or none: every name). */
  readonly nameMatchers: readonly LabelMatcher[];
  /** Every matcher other than the metric name. */
  readonly matchers: readonly LabelMatcher[];
  /** All matchers as written, __name__ included (absent() builds its labels from them). */
  readonly allMatchers: readonly LabelMatcher[];
  readonly offsetMs: number;
}

export interface MatrixSelectorNode {
  readonly type: 'matrixSelector';
  readonly selector: VectorSelectorNode;
  readonly rangeMs: number;
}

export type FunctionName =
  | 'rate'
  | 'irate'
  | 'increase'
  | 'delta'
  | 'idelta'
  | 'deriv'
  | 'predict_linear'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'sum_over_time'
  | 'count_over_time'
  | 'stddev_over_time'
  | 'stdvar_over_time'
  | 'last_over_time'
  | 'present_over_time'
  | 'quantile_over_time'
  | 'changes'
  | 'resets'
  | 'absent'
  | 'absent_over_time'
  | 'time'
  | 'vector'
  | 'scalar'
  | 'abs'
  | 'ceil'
  | 'floor'
  | 'round'
  | 'clamp'
  | 'clamp_min'
  | 'clamp_max'
  | 'label_replace'
  | 'timestamp';

export interface CallNode {
  readonly type: 'call';
  readonly fn: FunctionName;
  readonly args: readonly Expr[];
}

export type AggregateOp = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar' | 'topk' | 'bottomk' | 'quantile' | 'count_values';

export interface AggregateNode {
  readonly type: 'aggregate';
  readonly op: AggregateOp;
  readonly param: Expr | null;
  readonly expr: Expr;
  readonly grouping: readonly string[];
  readonly without: boolean;
}

type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  readonly card: Cardinality;
  /** true: `on(labels)`; false: `ignoring(labels)` (no clause = ignoring nothing). */
  readonly on: boolean;
  readonly labels: readonly string[];
  /** Labels copied from the "one" side by group_left/group_right. */
  readonly include: readonly string[];
}

interface BinaryNode {
  readonly type: 'binary';
  readonly op: BinaryOp;
  readonly lhs: Expr;
  readonly rhs: Expr;
  readonly returnBool: boolean;
  /** Present when both sides are instant vectors. */
  readonly matching: VectorMatching | null;
}

interface UnaryNode {
  readonly type: 'unary';
  readonly negate: boolean;
  readonly expr: Expr;
}

export type Expr = NumberNode | StringNode | VectorSelectorNode | MatrixSelectorNode | CallNode | AggregateNode | BinaryNode | UnaryNode;

export const isComparison = (op: BinaryOp): op is ComparisonOp => op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
export const isSetOp = (op: BinaryOp): op is SetOp => op === 'and' || op === 'or' || op === 'unless';
