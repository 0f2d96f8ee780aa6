// Loads every rule file the config names (globs allowed; none → the shipped defaults), compiles each
// expression with the engine and parses each template. All errors come back at once, each with its
// code, file:line, rule and reason; with any error nothing is evaluated.
import { createHash } from 'node:crypto';
import { glob, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ErrorCode, type UserError } from '../../core/errors.ts';
import { shippedPath } from '../../core/shipped.ts';
import type { CompiledExpr, ExprError } from '../engine/api.ts';
import { type GroupDef, parseRuleFile, type RuleDef } from './rule-file.ts';
import { parseTemplate, type Template } from './template.ts';

type CompileResult = { readonly ok: true; readonly expr: CompiledExpr } | { readonly ok: false; readonly errors: readonly ExprError[] };
export type Compile = (text: string) => CompileResult;

export interface LoadedRule {
  readonly def: RuleDef;
  readonly expr: CompiledExpr;
  readonly labels: ReadonlyArray<readonly [string, Template]>;
  readonly annotations: ReadonlyArray<readonly [string, Template]>;
}

export interface LoadedGroup {
  readonly file: string;
  /**
   * The file as the group's key names it (`rule_group="<source>;<name>"`, as Prometheus keys groups):
   * the path as found, or the file name alone for the rules shipped with the agent.
   */
  readonly source?: string;
  readonly name: string;
  /** undefined: the configured evaluationInterval. */
  readonly intervalMs: number | undefined;
  /** At most this many series or alerts per rule and evaluation (0: no limit). */
  readonly limit: number;
  readonly rules: readonly LoadedRule[];
}

/** The shipped rules: alerts/rules/ in the sources, the same path under dist/ in the build (core/shipped.ts). */
const defaultRuleGlob = (): string => path.join(shippedPath('alerts/rules'), '*.rules.yml');

const GLOB_CHARS = /[*?[\]{}]/;

/** The files the patterns name, sorted per pattern; a plain path that does not exist is an error. */
async function expandRuleFiles(patterns: readonly string[]): Promise<{ files: string[]; errors: UserError[] }> {
  const files: string[] = [];
  const errors: UserError[] = [];
  for (const pattern of patterns) {
    if (!GLOB_CHARS.test(pattern)) {
      files.push(pattern);
      continue;
    }
    const matched: string[] = [];
    try {
      for await (const f of glob(pattern)) matched.push(f);
    } catch (err) {
      errors.push({ code: ErrorCode.RULE_FILE_UNREADABLE, where: pattern, message: (err as Error).message });
    }
    // Like Prometheus, a glob that matches nothing is not an error (an empty rules directory).
    files.push(...matched.sort());
  }
  return { files: [...new Set(files)], errors };
}

function compileRule(def: RuleDef, compile: Compile, errors: UserError[]): LoadedRule | undefined {
  const at = (line: number) => `${def.file}:${line}`;
  let ok = true;
  const compiled = compile(def.expr);
  // ALERTS series are made by this very evaluation; the history never holds them.
  const selfReference = compiled.ok ? compiled.expr.metricNames.find((n) => n === 'ALERTS' || n === 'ALERTS_FOR_STATE') : undefined;
  if (selfReference !== undefined) {
    ok = false;
    errors.push({
      code: ErrorCode.RULE_INVALID,
      where: at(def.exprLine(def.expr.indexOf(selfReference))),
      message: `${def.alert}: expr: rules over ${selfReference} are not supported by the agent`,
    });
  }
  if (!compiled.ok) {
    ok = false;
    for (const e of compiled.errors)
      errors.push({ code: ErrorCode.RULE_INVALID, where: at(def.exprLine(e.from)), message: `${def.alert}: expr: ${e.message}` });
  }
  const templates = (section: 'labels' | 'annotations'): Array<readonly [string, Template]> => {
    const out: Array<readonly [string, Template]> = [];
    for (const [name, text] of Object.entries(def[section])) {
      const t = parseTemplate(text);
      if (t.ok) out.push([name, t.template]);
      else {
        ok = false;
        errors.push({ code: ErrorCode.RULE_INVALID, where: at(def.lineOf(section, name)), message: `${def.alert}: ${section}.${name}: template: ${t.error}` });
      }
    }
    return out;
  };
  // A recording rule's labels are plain values (Prometheus parses templates of alerting rules only).
  const labels = def.kind === 'alert' ? templates('labels') : [];
  const annotations = def.kind === 'alert' ? templates('annotations') : [];
  if (!ok || !compiled.ok) return undefined;
  return { def, expr: compiled.expr, labels, annotations };
}

/** Compiles the groups of parsed files (shared by the agent and check-rules). */
function compileGroups(groups: readonly GroupDef[], compile: Compile, errors: UserError[], shipped: boolean): LoadedGroup[] {
  return groups.map((g) => ({
    file: g.file,
    source: shipped ? path.basename(g.file) : g.file,
    name: g.name,
    intervalMs: g.intervalMs,
    limit: g.limit,
    rules: g.rules.map((r) => compileRule(r, compile, errors)).filter((r): r is LoadedRule => r !== undefined),
  }));
}

/**
 * Every rule file the patterns name, parsed and compiled. `source` is a digest of the file names and
 * contents: equal digests, equal rules (a reload keeps the running rules when it has not changed).
 */
export async function loadRuleFiles(
  patterns: readonly string[],
  compile: Compile,
): Promise<{ groups: LoadedGroup[]; files: string[]; errors: UserError[]; source: string }> {
  const shipped = patterns.length === 0;
  const expanded = await expandRuleFiles(shipped ? [defaultRuleGlob()] : patterns);
  const errors = [...expanded.errors];
  const groups: LoadedGroup[] = [];
  const digest = createHash('sha256');
  for (const file of expanded.files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      errors.push({
        code: ErrorCode.RULE_FILE_UNREADABLE,
        where: file,
        message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message,
      });
      continue;
    }
    digest.update(`${file}\0${text}\0`);
    const parsed = parseRuleFile(file, text);
    errors.push(...parsed.errors);
    groups.push(...compileGroups(parsed.groups, compile, errors, shipped));
  }
  return { groups, files: expanded.files, errors, source: digest.digest('hex') };
}
