// A strict parser of the Prometheus text exposition format (0.0.4), for assertions on scrapes.
// (The npm candidate, parse-prometheus-text-format, is unmaintained since 2019, untyped and returns
// values as strings; this is small enough to own.) It throws on any line it cannot read, with the
// line number, so a malformed scrape fails the test that reads it.

export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

export interface PromFamily {
  readonly name: string;
  help?: string;
  type?: string;
  readonly samples: PromSample[];
}

export interface Exposition {
  /** By family name, in order of first appearance. */
  readonly families: Map<string, PromFamily>;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

function parseValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number: ${JSON.stringify(text)}`);
  return Number(text);
}

const unescapeHelp = (s: string): string => s.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));

/** `{a="x",b="y"}` starting at text[0] === '{'; returns the labels and the rest after '}'. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let i = 1;
  for (;;) {
    while (text[i] === ' ') i++;
    if (text[i] === '}') return { labels, rest: text.slice(i + 1) };
    const m = LABEL_NAME.exec(text.slice(i));
    if (m === null) throw new Error(`bad label name at column ${i + 1}`);
    const key = m[0];
    i += key.length;
    while (text[i] === ' ') i++;
    if (text[i] !== '=' || text[i + 1] !== '"') throw new Error(`expected ="…" after label ${key}`);
    i += 2;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) throw new Error(`unterminated value of label ${key}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new Error(`bad escape \\${e ?? ''} in label ${key}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    if (Object.hasOwn(labels, key)) throw new Error(`label ${key} repeated`);
    labels[key] = value;
    while (text[i] === ' ') i++;
    if (text[i] === ',') i++;
    else if (text[i] !== '}') throw new Error(`expected , or } after label ${key}`);
  }
}

export function parsePromText(text: string): Exposition {
  const families = new Map<string, PromFamily>();
  const family = (name: string): PromFamily => {
    let f = families.get(name);
    if (f === undefined) families.set(name, (f = { name, samples: [] }));
    return f;
  };
  /** The family a sample name belongs to: its own, or a histogram/summary it is a part of. */
  const owner = (sample: string): PromFamily => {
    const own = families.get(sample);
    if (own !== undefined) return own;
    for (const [type, suffixes] of Object.entries(SUFFIXES)) {
      for (const s of suffixes) {
        if (!sample.endsWith(s)) continue;
        const f = families.get(sample.slice(0, -s.length));
        if (f?.type === type) return f;
      }
    }
    return family(sample);
  };
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    try {
      if (line.trim() === '') return;
      if (line.startsWith('#')) {
        const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s(.*))?$/.exec(line);
        if (m === null) return; // a plain comment
        const [, kind, name, rest = ''] = m;
        if (!NAME.test(name!) || NAME.exec(name!)![0] !== name) throw new Error(`bad metric name ${name}`);
        const f = family(name!);
        if (kind === 'HELP') {
          if (f.help !== undefined) throw new Error(`second HELP for ${name}`);
          f.help = unescapeHelp(rest);
        } else {
          if (f.type !== undefined) throw new Error(`second TYPE for ${name}`);
          if (f.samples.length > 0) throw new Error(`TYPE for ${name} after its samples`);
          if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(rest.trim())) throw new Error(`unknown type ${rest}`);
          f.type = rest.trim();
        }
        return;
      }
      const m = NAME.exec(line);
      if (m === null) throw new Error('no metric name');
      const name = m[0];
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest));
      const fields = rest.trim().split(/\s+/);
      if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new Error('expected "value [timestamp]"');
      const sample: PromSample = { name, labels, value: parseValue(fields[0]!) };
      if (fields[1] !== undefined) {
        if (!/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp ${fields[1]}`);
        (sample as { timestampMs?: number }).timestampMs = Number(fields[1]);
      }
      owner(name).samples.push(sample);
    } catch (err) {
      throw new Error(`line ${index + 1}: ${(err as Error).message}: ${line}`, { cause: err });
    }
  });
  return { families };
}

/** A series' identity within its family: labels sorted by name, in exposition syntax. */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return `{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** The samples of one family by series key; throws when a series appears twice. */
export function seriesOf(f: PromFamily | undefined): Map<string, PromSample> {
  const out = new Map<string, PromSample>();
  for (const s of f?.samples ?? []) {
    const key = `${s.name}${seriesKey(s.labels)}`;
    if (out.has(key)) throw new Error(`series ${key} appears twice`);
    out.set(key, s);
  }
  return out;
}

/** The single value of a family that has exactly one unlabelled sample. */
export function scalar(e: Exposition, name: string): number {
  const f = e.families.get(name);
  if (f?.samples.length !== 1) throw new Error(`${name}: expected exactly one sample, found ${f?.samples.length ?? 0}`);
  return f.samples[0]!.value;
}
