// One Prometheus rule file (or a PrometheusRule object's spec) parsed into group and rule definitions,
// each remembering where it was written, so every later error can name file:line and the rule.
// Pure: text in, definitions and errors out.
import { type Document, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Scalar } from 'yaml';
import { z } from 'zod';
import { parseDuration } from '../../core/duration.ts';
import { ErrorCode, type UserError } from '../../core/errors.ts';

export interface RuleDef {
  readonly file: string;
  /** Line of the rule's list item. */
  readonly line: number;
  readonly group: string;
  /** An alerting rule (`alert:`) or a recording rule (`record:`). */
  readonly kind: 'alert' | 'record';
  /** The rule's name: the alert name (any non-empty string, as in Prometheus) or the recorded metric name. */
  readonly alert: string;
  readonly expr: string;
  /** The file line of an offset into `expr` (for expression errors). */
  readonly exprLine: (offset: number) => number;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** Line of each label / annotation (for template errors). */
  readonly lineOf: (section: 'labels' | 'annotations', name: string) => number;
}

export interface GroupDef {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly intervalMs: number | undefined;
  /** rulefmt's `limit`: at most this many series (recording) or alerts (alerting) per rule; 0 = none. */
  readonly limit: number;
  readonly rules: readonly RuleDef[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// YAML scalars become strings, as Go's yaml decoding into string does (`severity: 1` is "1").
const scalarText = z.union([z.string(), z.number(), z.boolean()]).transform(String);
// Prometheus reads a duration from the scalar's text, so `for: 0` is a duration and `for: 60` is not.
const promDuration = scalarText.refine((s) => parseDuration(s) !== undefined, { message: 'not a duration (use e.g. "5m", "1h30m")' });
const textMap = z.record(z.string(), scalarText);

const ruleSchema = z.strictObject({
  alert: scalarText.optional(),
  record: scalarText.optional(),
  expr: scalarText,
  for: promDuration.optional(),
  keep_firing_for: promDuration.optional(),
  labels: textMap.nullish(),
  annotations: textMap.nullish(),
});

const groupSchema = z.strictObject({
  name: scalarText.pipe(z.string().min(1, 'group name must not be empty')),
  interval: promDuration.optional(),
  limit: z.number().int().nullish(),
  rules: z.array(z.unknown()).nullish(),
});

const fileSchema = z.strictObject({ groups: z.array(z.unknown()).nullish() });
const prometheusRuleSchema = z.object({ kind: z.literal('PrometheusRule'), spec: fileSchema });

type Path = readonly PropertyKey[];

/** The 1-based line of what `path` names in the document: the key of a mapping entry, or the list item. */
function lineAt(doc: Document, lines: LineCounter, path: Path): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as { range?: [number] } | null)?.range?.[0] ?? 0;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) break;
      offset = (pair.key as Scalar).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as { range?: [number] } | undefined;
      if (item === undefined) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return lines.linePos(offset).line;
}

/** Line of an offset inside a scalar's text: block scalars (`|`, `>`) start on the next line. */
function exprLineFn(doc: Document, lines: LineCounter, path: Path, text: string): (offset: number) => number {
  const node = doc.getIn(path, true);
  if (!isScalar(node) || node.range === undefined || node.range === null) return () => lineAt(doc, lines, path);
  const first = lines.linePos(node.range[0]).line;
  const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
  return (offset) => first + (block ? 1 : 0) + (text.slice(0, Math.max(0, offset)).match(/\n/g)?.length ?? 0);
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses one file; every problem comes back at once (file:line, rule, reason). */
export function parseRuleFile(file: string, text: string): { groups: GroupDef[]; errors: UserError[] } {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { prettyErrors: false, lineCounter: lines });
  const groups: GroupDef[] = [];
  const errors: UserError[] = [];
  const docList = Array.isArray(docs) ? docs : [];
  for (const doc of docList) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        errors.push({ code: ErrorCode.RULE_SYNTAX, where: `${file}:${lines.linePos(e.pos[0]).line}`, message: e.message.split('\n')[0]! });
      }
      continue;
    }
    parseDocument(file, doc, lines, groups, errors);
  }
  const seen = new Map<string, number>();
  for (const g of groups) {
    if (seen.has(g.name)) {
      errors.push({
        code: ErrorCode.RULE_INVALID,
        where: `${file}:${g.line}`,
        message: `group "${g.name}": the group name is repeated in the same file (first at line ${seen.get(g.name)})`,
      });
    } else {
      seen.set(g.name, g.line);
    }
  }
  return { groups, errors };
}

function parseDocument(file: string, doc: Document, lines: LineCounter, groups: GroupDef[], errors: UserError[]): void {
  const root: unknown = doc.toJS();
  if (root === null || root === undefined) return;
  const at = (path: Path): string => `${file}:${lineAt(doc, lines, path)}`;
  const invalid = (path: Path, message: string): void => void errors.push({ code: ErrorCode.RULE_INVALID, where: at(path), message });
  let base: Path = [];
  let rawGroups: unknown;
  if (isRecord(root) && root.kind === 'PrometheusRule') {
    const parsed = prometheusRuleSchema.safeParse(root);
    if (!parsed.success) return issues(parsed.error, [], invalid, () => 'PrometheusRule');
    base = ['spec', 'groups'];
    rawGroups = parsed.data.spec.groups;
  } else {
    const parsed = fileSchema.safeParse(root);
    if (!parsed.success) return issues(parsed.error, [], invalid, () => 'rule file');
    base = ['groups'];
    rawGroups = parsed.data.groups;
  }
  ((rawGroups as unknown[] | null | undefined) ?? []).forEach((rawGroup, gi) => {
    const gpath = [...base, gi];
    const gname = isRecord(rawGroup) && ['string', 'number', 'boolean'].includes(typeof rawGroup.name) ? String(rawGroup.name) : `#${gi + 1}`;
    const parsed = groupSchema.safeParse(rawGroup);
    if (!parsed.success) return issues(parsed.error, gpath, invalid, () => `group "${gname}"`);
    const rules: RuleDef[] = [];
    (parsed.data.rules ?? []).forEach((rawRule, ri) => {
      const rule = parseRule(file, doc, lines, gname, [...gpath, 'rules', ri], rawRule, invalid);
      if (rule !== undefined) rules.push(rule);
    });
    // As in Prometheus, an interval of 0 means the default one.
    const interval = parsed.data.interval === undefined ? undefined : parseDuration(parsed.data.interval) || undefined;
    groups.push({ file, line: lineAt(doc, lines, gpath), name: parsed.data.name, intervalMs: interval, limit: Math.max(0, parsed.data.limit ?? 0), rules });
  });
}

function parseRule(
  file: string,
  doc: Document,
  lines: LineCounter,
  group: string,
  path: Path,
  raw: unknown,
  invalid: (path: Path, message: string) => void,
): RuleDef | undefined {
  const name = isRecord(raw)
    ? String(raw.alert ?? raw.record ?? '') || `rule #${Number(path.at(-1)) + 1} of group "${group}"`
    : `rule #${Number(path.at(-1)) + 1} of group "${group}"`;
  const parsed = ruleSchema.safeParse(raw);
  if (!parsed.success) {
    issues(parsed.error, path, invalid, () => name);
    return undefined;
  }
  const r = parsed.data;
  let ok = true;
  // rulefmt's RuleNode.Validate, check for check.
  const alert = r.alert ?? '';
  const record = r.record ?? '';
  if (alert !== '' && record !== '') {
    invalid(path, `${name}: only one of "record" and "alert" must be set`);
    ok = false;
  } else if (alert === '' && record === '') {
    invalid(path, `${name}: one of "record" or "alert" must be set`);
    ok = false;
  }
  if (record !== '') {
    if (!METRIC_NAME.test(record)) {
      invalid([...path, 'record'], `${name}: invalid recording rule name`);
      ok = false;
    }
    if (Object.keys(r.annotations ?? {}).length > 0) {
      invalid([...path, 'annotations'], `${name}: invalid field "annotations" in recording rule`);
      ok = false;
    }
    for (const field of ['for', 'keep_firing_for'] as const) {
      if (r[field] !== undefined && parseDuration(r[field]) !== 0) {
        invalid([...path, field], `${name}: invalid field "${field}" in recording rule`);
        ok = false;
      }
    }
  }
  if ((r.labels ?? {}).__name__ !== undefined) {
    invalid([...path, 'labels', '__name__'], `${name}: invalid label name "__name__"`);
    ok = false;
  }
  if (r.expr.trim() === '') {
    invalid([...path, 'expr'], `${name}: expr must not be empty`);
    ok = false;
  }
  for (const section of ['labels', 'annotations'] as const) {
    for (const key of Object.keys(r[section] ?? {})) {
      if (!LABEL_NAME.test(key)) {
        invalid([...path, section, key], `${name}: invalid ${section === 'labels' ? 'label' : 'annotation'} name "${key}"`);
        ok = false;
      }
    }
  }
  if (!ok) return undefined;
  return {
    file,
    line: lineAt(doc, lines, path),
    group,
    kind: record !== '' ? 'record' : 'alert',
    alert: record !== '' ? record : alert,
    expr: r.expr,
    exprLine: exprLineFn(doc, lines, [...path, 'expr'], r.expr),
    forMs: r.for === undefined ? 0 : parseDuration(r.for)!,
    keepFiringForMs: r.keep_firing_for === undefined ? 0 : parseDuration(r.keep_firing_for)!,
    labels: r.labels ?? {},
    annotations: r.annotations ?? {},
    lineOf: (section, key) => lineAt(doc, lines, [...path, section, key]),
  };
}

/** zod issues as one error per problem, each at the line of the offending key. */
function issues(error: z.ZodError, base: Path, invalid: (path: Path, message: string) => void, subject: () => string): void {
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) invalid([...base, ...issue.path, key], `${subject()}: unknown field "${key}"`);
      continue;
    }
    const key = issue.path.map(String).join('.');
    invalid([...base, ...issue.path], `${subject()}: ${key === '' ? '' : `${key}: `}${issue.message}`);
  }
}
