// The Prometheus text format as node_exporter's textfile collector reads it (expfmt.TextParser of
// prometheus/common): one error anywhere rejects the whole file. Pure: text in, families out.
// What it rejects, as the Go parser does: invalid names, a second HELP or TYPE for a family, an unknown
// TYPE, bad escapes, duplicate or reserved (`__name__`) label names in a sample, values that are not
// numbers, and anything after the value but a timestamp. Timestamps parse; the collector refuses them.

type TextfileType = 'counter' | 'gauge' | 'untyped' | 'summary' | 'histogram';

export interface TextfileSample {
  /** The series name as written (`x_bucket`, `x_sum`, `x_count` for histograms and summaries). */
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface TextfileFamily {
  readonly name: string;
  help?: string;
  type?: TextfileType;
  readonly samples: TextfileSample[];
}

export type ParseResult = { readonly ok: true; readonly families: Map<string, TextfileFamily> } | { readonly ok: false; readonly error: string };

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<TextfileType>(['counter', 'gauge', 'untyped', 'summary', 'histogram']);

class LineError extends Error {}

/** Go's strconv.ParseFloat for the forms exposition files use (decimal, exponent, Inf, NaN, any case). */
function parseGoFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (/^[-+]?(inf|infinity)$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity;
  if (/^[-+]?nan$/.test(lower)) return NaN;
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(lower)) return Number(text);
  if (/^[-+]?0x[0-9a-f]+$/.test(lower)) return (lower.startsWith('-') ? -1 : 1) * Number.parseInt(lower.replace(/^[-+]?0x/, ''), 16);
  return undefined;
}

/** A HELP docstring: `\\` and `\n` are the only escapes. */
function unescapeHelp(s: string): string {
  return s.replace(/\\(.?)/g, (_m, c: string) => {
    if (c === 'n') return '\n';
    if (c === '\\') return '\\';
    throw new LineError(`invalid escape sequence '\\${c}'`);
  });
}

/** The family a sample belongs to: `x_bucket` of histogram x, `x_sum`/`x_count` of summary or histogram x. */
function familyNameOf(name: string, families: Map<string, TextfileFamily>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = families.get(base)?.type;
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

function parseLabels(text: string, at: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === '}') return { labels, end: i + 1 };
    const m = LABEL_NAME.exec(text.slice(i));
    if (m === null) throw new LineError(`invalid label name at column ${i + 1}`);
    const key = m[0];
    if (key === '__name__') throw new LineError('label name "__name__" is reserved');
    if (Object.hasOwn(labels, key)) throw new LineError(`duplicate label names for metric: ${key}`);
    i += key.length;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '=') throw new LineError(`expected '=' after label name ${key}`);
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] !== '"') throw new LineError(`expected '"' to start the value of label ${key}`);
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new LineError(`unterminated value of label ${key}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new LineError(`invalid escape sequence '\\${e ?? ''}'`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    labels[key] = value;
    i++;
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new LineError(`unexpected ${JSON.stringify(text[i] ?? 'end of line')} after label ${key}`);
  }
}

function family(families: Map<string, TextfileFamily>, name: string): TextfileFamily {
  let f = families.get(name);
  if (f === undefined) {
    f = { name, samples: [] };
    families.set(name, f);
  }
  return f;
}

function parseComment(line: string, families: Map<string, TextfileFamily>): void {
  const m = /^#[ \t]+(HELP|TYPE)(?:[ \t]+|$)(.*)$/.exec(line);
  if (m === null) return; // any other comment
  const [, keyword, rest] = m as unknown as [string, 'HELP' | 'TYPE', string];
  const name = METRIC_NAME.exec(rest)?.[0];
  if (name === undefined) throw new LineError(`invalid metric name in ${keyword} line`);
  const after = rest.slice(name.length);
  if (after !== '' && !/^[ \t]/.test(after)) throw new LineError(`invalid metric name in ${keyword} line`);
  const text = after.replace(/^[ \t]+/, '');
  const f = family(families, name);
  if (keyword === 'HELP') {
    if (f.help !== undefined) throw new LineError(`second HELP line for metric name "${name}"`);
    f.help = unescapeHelp(text);
    return;
  }
  if (f.type !== undefined) throw new LineError(`second TYPE line for metric name "${name}", or TYPE reported after samples`);
  const t = text.replace(/[ \t]+$/, '').toLowerCase() as TextfileType;
  if (!TYPES.has(t)) throw new LineError(`unknown metric type "${text}"`);
  if (f.samples.length > 0) throw new LineError(`second TYPE line for metric name "${name}", or TYPE reported after samples`);
  f.type = t;
}

function parseSample(line: string, families: Map<string, TextfileFamily>): void {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) throw new LineError('invalid metric name');
  let i = name.length;
  while (line[i] === ' ' || line[i] === '\t') i++;
  let labels: Record<string, string> = {};
  if (line[i] === '{') {
    ({ labels, end: i } = parseLabels(line, i));
  }
  const fields = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (fields[0] === '' || fields.length > 2) throw new LineError(`expected a value${fields.length > 2 ? ' and at most a timestamp' : ''}`);
  const value = parseGoFloat(fields[0]!);
  if (value === undefined) throw new LineError(`expected float as value, got "${fields[0]}"`);
  let timestampMs: number | undefined;
  if (fields[1] !== undefined) {
    if (!/^[-+]?\d+$/.test(fields[1])) throw new LineError(`expected integer as timestamp, got "${fields[1]}"`);
    timestampMs = Number(fields[1]);
  }
  const f = family(families, familyNameOf(name, families));
  f.samples.push({ name, labels, value, ...(timestampMs === undefined ? {} : { timestampMs }) });
}

/** Parses one *.prom file; the first problem rejects it, with its line number. */
export function parseTextfile(text: string): ParseResult {
  const families = new Map<string, TextfileFamily>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.replace(/^[ \t]+/, '');
    if (line === '' || line === '\r') continue;
    try {
      if (line.startsWith('#')) parseComment(line, families);
      else parseSample(line, families);
    } catch (err) {
      if (err instanceof LineError) return { ok: false, error: `text format parsing error in line ${n + 1}: ${err.message}` };
      throw err;
    }
  }
  // Families with a HELP or TYPE line but no sample are dropped, as the Go parser does.
  for (const [name, f] of families) if (f.samples.length === 0) families.delete(name);
  return { ok: true, families };
}
