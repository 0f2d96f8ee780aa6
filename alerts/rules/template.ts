// The subset of Go's text/template that alerting rules use in labels and annotations, parsed once at
// load time (so check-rules reports errors) and executed per alert. Supported: text, `{{ … }}` with
// `{{-`/`-}}` trimming and comments; pipelines of commands separated by `|`; operands $labels.x,
// $value, $externalLabels.x, $externalURL (and the .Labels/.Value/… spellings), string and number
// literals; the functions below. Anything else is reported by name as unsupported by the agent.
import { formatE, formatF, formatG } from './go-format.ts';
import { humanize, humanize1024, humanizeDuration, humanizePercentage } from './humanize.ts';

/** What a template sees: Prometheus' alert template data. */
export interface TemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly externalLabels: Readonly<Record<string, string>>;
  readonly externalURL: string;
}

type Value = string | number | Readonly<Record<string, string>>;

type Operand =
  | { readonly kind: 'data'; readonly root: keyof TemplateData | 'dot'; readonly fields: readonly string[] }
  | { readonly kind: 'literal'; readonly value: string | number }
  | { readonly kind: 'func'; readonly name: FunctionName };

type Command = readonly Operand[];
type Pipeline = readonly Command[];
type Node = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'action'; readonly pipeline: Pipeline };

export interface Template {
  readonly nodes: readonly Node[];
}

export type TemplateParse = { ok: true; template: Template } | { ok: false; error: string };

const FUNCTIONS = {
  humanize: (v: number) => humanize(v),
  humanize1024: (v: number) => humanize1024(v),
  humanizeDuration: (v: number) => humanizeDuration(v),
  humanizePercentage: (v: number) => humanizePercentage(v),
} as const;
type FunctionName = keyof typeof FUNCTIONS | 'printf' | 'toUpper' | 'toLower';
const FUNCTION_NAMES = new Set<string>([...Object.keys(FUNCTIONS), 'printf', 'toUpper', 'toLower']);
const GO_KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue', 'nil']);
const VARIABLES: Readonly<Record<string, keyof TemplateData>> = {
  labels: 'labels',
  value: 'value',
  externalLabels: 'externalLabels',
  externalURL: 'externalURL',
};
const DOT_FIELDS: Readonly<Record<string, keyof TemplateData>> = {
  Labels: 'labels',
  Value: 'value',
  ExternalLabels: 'externalLabels',
  ExternalURL: 'externalURL',
};

class TemplateError extends Error {}

/** Tokenizer and parser of one action's inside (between `{{` and `}}`), starting at `pos`. */
class ActionParser {
  pos: number;
  private readonly src: string;

  constructor(src: string, pos: number) {
    this.src = src;
    this.pos = pos;
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  /** True at the closing `}}` (or ` -}}`); consumes it and reports whether it trims. */
  atClose(): { trim: boolean } | undefined {
    this.skipSpace();
    if (this.src.startsWith('-}}', this.pos) && /\s/.test(this.src[this.pos - 1] ?? '')) {
      this.pos += 3;
      return { trim: true };
    }
    if (this.src.startsWith('}}', this.pos)) {
      this.pos += 2;
      return { trim: false };
    }
    return undefined;
  }

  pipeline(): Pipeline {
    const cmds: Command[] = [this.command()];
    for (;;) {
      this.skipSpace();
      if (this.src[this.pos] !== '|') return cmds;
      this.pos++;
      cmds.push(this.command());
    }
  }

  private command(): Command {
    const ops: Operand[] = [];
    for (;;) {
      this.skipSpace();
      const c = this.src[this.pos];
      if (c === undefined) throw new TemplateError('unclosed action');
      if (c === '|' || this.src.startsWith('}}', this.pos) || (this.src.startsWith('-}}', this.pos) && ops.length > 0)) break;
      ops.push(this.operand());
    }
    if (ops.length === 0) throw new TemplateError('missing value for command');
    if (ops.length > 1 && ops[0]!.kind !== 'func') throw new TemplateError(`can't give argument to non-function`);
    return ops;
  }

  private word(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (m === null) return '';
    this.pos += m[0].length;
    return m[0];
  }

  private fields(): string[] {
    const out: string[] = [];
    while (this.src[this.pos] === '.' && /[A-Za-z_]/.test(this.src[this.pos + 1] ?? '')) {
      this.pos++;
      out.push(this.word());
    }
    return out;
  }

  private operand(): Operand {
    const c = this.src[this.pos]!;
    if (c === '$') {
      this.pos++;
      const name = this.word();
      if (name === '') return { kind: 'data', root: 'dot', fields: this.fields() };
      const root = VARIABLES[name];
      if (root === undefined) throw new TemplateError(`undefined variable "$${name}"`);
      this.skipSpace();
      if (this.src.startsWith(':=', this.pos) || (this.src[this.pos] === '=' && this.src[this.pos + 1] !== '=')) {
        throw new TemplateError('template variable assignment is not supported by the agent');
      }
      return { kind: 'data', root, fields: this.fields() };
    }
    if (c === '.') {
      const fields = this.fields();
      if (fields.length === 0) {
        this.pos++;
        return { kind: 'data', root: 'dot', fields: [] };
      }
      const root = DOT_FIELDS[fields[0]!];
      if (root === undefined) throw new TemplateError(`can't evaluate field ${fields[0]} in the alert's template data`);
      return { kind: 'data', root, fields: fields.slice(1) };
    }
    if (c === '"') return { kind: 'literal', value: this.quoted() };
    if (c === '`') {
      const end = this.src.indexOf('`', this.pos + 1);
      if (end < 0) throw new TemplateError('unterminated raw quoted string');
      const value = this.src.slice(this.pos + 1, end);
      this.pos = end + 1;
      return { kind: 'literal', value };
    }
    const num = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|0x[0-9a-fA-F]+)/.exec(this.src.slice(this.pos));
    if (num !== null) {
      this.pos += num[0].length;
      return { kind: 'literal', value: Number(num[0]) };
    }
    if (c === '(') throw new TemplateError('parenthesized pipelines are not supported by the agent');
    if (c === '/' && this.src.startsWith('/*', this.pos)) throw new TemplateError('comment must be the whole action');
    const name = this.word();
    if (name === '') throw new TemplateError(`unexpected "${c}" in command`);
    if (GO_KEYWORDS.has(name)) throw new TemplateError(`template action "${name}" is not supported by the agent`);
    if (!FUNCTION_NAMES.has(name)) throw new TemplateError(`template function "${name}" is not supported by the agent`);
    return { kind: 'func', name: name as FunctionName };
  }

  private quoted(): string {
    let i = this.pos + 1;
    let raw = '"';
    for (; i < this.src.length; i++) {
      const ch = this.src[i]!;
      if (ch === '\\') {
        raw += ch + (this.src[i + 1] ?? '');
        i++;
        continue;
      }
      if (ch === '\n') break;
      raw += ch;
      if (ch === '"') {
        this.pos = i + 1;
        try {
          return JSON.parse(raw) as string;
        } catch {
          throw new TemplateError(`bad escape in quoted string ${raw}`);
        }
      }
    }
    throw new TemplateError('unterminated quoted string');
  }
}

/** Parses a template; errors read like Go's ("function X not defined" becomes "not supported by the agent"). */
export function parseTemplate(src: string): TemplateParse {
  const nodes: Node[] = [];
  let pos = 0;
  let trimNext = false;
  try {
    while (pos < src.length) {
      const open = src.indexOf('{{', pos);
      let text = src.slice(pos, open < 0 ? src.length : open);
      if (trimNext) text = text.replace(/^\s+/, '');
      trimNext = false;
      if (open < 0) {
        if (text !== '') nodes.push({ kind: 'text', text });
        break;
      }
      let start = open + 2;
      // `{{- ` trims the white space before the action.
      if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
        text = text.replace(/\s+$/, '');
        start += 1;
      }
      if (text !== '') nodes.push({ kind: 'text', text });
      const p = new ActionParser(src, start);
      const after = src.slice(start).trimStart();
      if (after.startsWith('/*')) {
        const end = src.indexOf('*/', start);
        if (end < 0) throw new TemplateError('unclosed comment');
        p.pos = end + 2;
        const close = p.atClose();
        if (close === undefined) throw new TemplateError('comment ends before closing delimiter');
        trimNext = close.trim;
        pos = p.pos;
        continue;
      }
      if (p.atClose() !== undefined) throw new TemplateError('missing value for command');
      const pipeline = p.pipeline();
      const close = p.atClose();
      if (close === undefined) throw new TemplateError(`unexpected "${src.slice(p.pos, p.pos + 10)}" in command`);
      trimNext = close.trim;
      nodes.push({ kind: 'action', pipeline });
      pos = p.pos;
    }
  } catch (err) {
    if (err instanceof TemplateError) return { ok: false, error: err.message };
    throw err;
  }
  return { ok: true, template: { nodes } };
}

/** Go's %v of a template value. */
function show(v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatG(v);
  return `map[${Object.keys(v)
    .sort()
    .map((k) => `${k}:${v[k]}`)
    .join(' ')}]`;
}

/** Prometheus' convertToFloat: numbers as they are, strings parsed like strconv.ParseFloat. */
function toFloat(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    const n = /^[+-]?inf(inity)?$/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(t) ? NaN : t === '' || t !== v ? NaN : Number(t);
    if (Number.isNaN(n) && !/^nan$/i.test(t)) throw new TemplateError(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
    return n;
  }
  throw new TemplateError(`can't convert map to float`);
}

const goType = (v: Value): string => (typeof v === 'number' ? 'float64' : typeof v === 'string' ? 'string' : 'map[string]string');

/** Go's fmt.Sprintf for the verbs templates use: %v %s %q %d %f %F %e %g %x %% with flags, width and precision. */
export function sprintf(format: string, args: readonly Value[]): string {
  let out = '';
  let argi = 0;
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]!;
    if (ch !== '%') {
      out += ch;
      continue;
    }
    const m = /^([-+ 0#]*)(\d*)(?:\.(\d*))?(.)?/.exec(format.slice(i + 1))!;
    i += m[0].length;
    const [, flags = '', widthText = '', precText, verb] = m;
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argi >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argi++]!;
    const prec = precText === undefined ? undefined : Number(precText || '0');
    let s: string;
    if (typeof arg === 'number') {
      switch (verb) {
        case 'v':
        case 'g':
        case 'G':
          s = formatG(arg, prec);
          break;
        case 'f':
        case 'F':
          s = formatF(arg, prec ?? 6);
          break;
        case 'e':
        case 'E':
          s = formatE(arg, prec ?? 6);
          break;
        default:
          s = `%!${verb}(float64=${formatG(arg)})`;
      }
      if (flags.includes('+') && arg >= 0 && !s.startsWith('%')) s = `+${s}`;
      if (verb === 'E' || verb === 'G') s = s.toUpperCase();
    } else if (verb === 's' || verb === 'v') {
      s = show(arg);
      if (prec !== undefined) s = s.slice(0, prec);
    } else if (verb === 'q' && typeof arg === 'string') {
      s = JSON.stringify(arg);
    } else if (verb === 'd' && typeof arg === 'string') {
      s = `%!d(string=${arg})`;
    } else {
      s = `%!${verb}(${goType(arg)}=${show(arg)})`;
    }
    const width = Number(widthText || '0');
    if (s.length < width) {
      const pad = width - s.length;
      if (flags.includes('-')) s += ' '.repeat(pad);
      else if (flags.includes('0') && typeof arg === 'number') s = /^[+-]/.test(s) ? s[0] + '0'.repeat(pad) + s.slice(1) : '0'.repeat(pad) + s;
      else s = ' '.repeat(pad) + s;
    }
    out += s;
  }
  if (argi < args.length)
    out += `%!(EXTRA ${args
      .slice(argi)
      .map((a) => `${goType(a)}=${show(a)}`)
      .join(', ')})`;
  return out;
}

function operandValue(op: Operand, data: TemplateData): Value {
  if (op.kind === 'literal') return op.value;
  if (op.kind === 'func') throw new TemplateError(`function ${op.name} used as a value`);
  let v: Value;
  if (op.root === 'dot') {
    if (op.fields.length === 0) throw new TemplateError('the whole template data cannot be printed');
    const root = DOT_FIELDS[op.fields[0]!];
    if (root === undefined) throw new TemplateError(`can't evaluate field ${op.fields[0]}`);
    return operandValue({ kind: 'data', root, fields: op.fields.slice(1) }, data);
  }
  v = data[op.root];
  for (const f of op.fields) {
    // Prometheus sets missingkey=zero: an absent label is the empty string.
    if (typeof v === 'object') v = v[f] ?? '';
    else throw new TemplateError(`can't evaluate field ${f} in type ${goType(v)}`);
  }
  return v;
}

function call(name: FunctionName, args: readonly Value[]): Value {
  switch (name) {
    case 'printf': {
      if (args.length === 0 || typeof args[0] !== 'string') throw new TemplateError('printf needs a format string');
      return sprintf(args[0], args.slice(1));
    }
    case 'toUpper':
    case 'toLower': {
      if (args.length !== 1 || typeof args[0] !== 'string') throw new TemplateError(`${name} needs one string`);
      return name === 'toUpper' ? args[0].toUpperCase() : args[0].toLowerCase();
    }
    default:
      if (args.length !== 1) throw new TemplateError(`wrong number of args for ${name}: want 1 got ${args.length}`);
      return FUNCTIONS[name](toFloat(args[0]!));
  }
}

function runPipeline(pipeline: Pipeline, data: TemplateData): Value {
  let piped: Value | undefined;
  for (const cmd of pipeline) {
    const head = cmd[0]!;
    if (head.kind === 'func') {
      const args = cmd.slice(1).map((op) => operandValue(op, data));
      if (piped !== undefined) args.push(piped);
      piped = call(head.name, args);
    } else {
      if (piped !== undefined) throw new TemplateError(`can't give argument to non-function`);
      piped = operandValue(head, data);
    }
  }
  return piped!;
}

/** Executes a parsed template; a run-time error becomes Prometheus' `<error expanding template: …>`. */
export function expandTemplate(t: Template, data: TemplateData): string {
  let out = '';
  try {
    for (const n of t.nodes) out += n.kind === 'text' ? n.text : show(runPipeline(n.pipeline, data));
  } catch (err) {
    if (err instanceof TemplateError) return `<error expanding template: ${err.message}>`;
    throw err;
  }
  return out;
}

/** Whether a template is plain text (no actions), so expansion can be skipped on the hot path. */
export const isPlainText = (t: Template): boolean => t.nodes.every((n) => n.kind === 'text');
