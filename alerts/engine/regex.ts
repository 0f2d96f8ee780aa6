// Go RE2 syntax (what Prometheus uses for =~, !~ and label_replace) translated to an equivalent JS
// RegExp, or refused. A whitelist: every construct either means the same thing in both engines
// after translation, or is reported, so that a matcher never silently selects different series.

export type RegexResult = { ok: true; source: string; flags: string } | { ok: false; reason: string };

const lit = (ch: string): string => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
/** Go's \s is ASCII [\t\n\f\r ]; JS's includes \v and Unicode spaces. */
const GO_SPACE = '\\t\\n\\f\\r ';
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', f: '\f', t: '\t', n: '\n', r: '\r', v: '\v' };
const PUNCT = /[!-/:-@[-`{-~]/;

interface Cursor {
  readonly s: string;
  i: number;
}

function escape(c: Cursor, inClass: boolean): { text: string } | { error: string } {
  const ch = c.s[c.i + 1];
  if (ch === undefined) return { error: 'trailing backslash' };
  c.i += 2;
  if (ch === 'd' || ch === 'D' || ch === 'w' || ch === 'W') return { text: `\\${ch}` };
  if (ch === 's') return { text: inClass ? GO_SPACE : `[${GO_SPACE}]` };
  if (ch === 'S') return inClass ? { error: '\\S inside a character class' } : { text: `[^${GO_SPACE}]` };
  const simple = SIMPLE_ESCAPES[ch];
  if (simple !== undefined) return { text: lit(simple) };
  if (ch === 'x') {
    const braced = /^\{([0-9a-fA-F]{1,6})\}/.exec(c.s.slice(c.i));
    const two = /^[0-9a-fA-F]{2}/.exec(c.s.slice(c.i));
    const hex = braced?.[1] ?? two?.[0];
    if (hex === undefined) return { error: 'malformed \\x escape' };
    c.i += (braced ?? two)?.[0].length ?? 0;
    const cp = parseInt(hex, 16);
    if (cp > 0x10ffff) return { error: 'escape out of Unicode range' };
    return { text: `\\u{${cp.toString(16)}}` };
  }
  if (PUNCT.test(ch)) return { text: lit(ch) };
  return { error: `escape \\${ch}` };
}

/** Translates a Go regexp (unanchored, as written) into a JS source anchored like Prometheus: ^(?:re)$. */
export function translateGoRegex(re: string): RegexResult {
  let flags = 'u';
  const c: Cursor = { s: re, i: 0 };
  if (re.startsWith('(?i)')) {
    flags = 'iu';
    c.i = 4;
  }
  let out = '';
  let depth = 0;
  const fail = (what: string): RegexResult => ({ ok: false, reason: `regular expression construct ${what} is not supported by the agent` });
  while (c.i < re.length) {
    const ch = re[c.i] ?? '';
    if (ch === '\\') {
      const e = escape(c, false);
      if ('error' in e) return fail(e.error);
      out += e.text;
      continue;
    }
    if (ch === '.') {
      out += '[^\\n]';
      c.i++;
      continue;
    }
    if (ch === '(') {
      const rest = re.slice(c.i);
      if (rest.startsWith('(?:')) {
        out += '(?:';
        c.i += 3;
      } else if (/^\(\?P<[A-Za-z_][A-Za-z0-9_]*>/.test(rest)) {
        const m = /^\(\?P<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
        out += `(?<${m?.[1] ?? ''}>`;
        c.i += m?.[0].length ?? 0;
      } else if (rest.startsWith('(?')) return fail(`"${rest.slice(0, 4)}…" (flags, lookaround)`);
      else {
        out += '(';
        c.i++;
      }
      depth++;
      continue;
    }
    if (ch === ')') {
      if (depth === 0) return { ok: false, reason: 'unexpected ) in regular expression' };
      depth--;
      out += ')';
      c.i++;
      continue;
    }
    if (ch === '{') {
      const rep = /^\{(\d+)(,(\d*))?\}/.exec(re.slice(c.i));
      if (rep === null) {
        out += lit('{');
        c.i++;
        continue;
      }
      if (Number(rep[1]) > 1000 || Number(rep[3] || 0) > 1000) return { ok: false, reason: 'repetition count above 1000 in regular expression' };
      out += rep[0];
      c.i += rep[0].length;
      continue;
    }
    if (ch === '}' || ch === ']') {
      out += lit(ch);
      c.i++;
      continue;
    }
    if (ch === '[') {
      const cls = charClass(c);
      if ('error' in cls) return fail(cls.error);
      out += cls.text;
      continue;
    }
    // ^ $ | * + ? mean the same in both engines (no multi-line flag in either).
    out += ch;
    c.i++;
  }
  if (depth !== 0) return { ok: false, reason: 'missing ) in regular expression' };
  const source = `^(?:${out})$`;
  try {
    new RegExp(source, flags);
  } catch (err) {
    return { ok: false, reason: `invalid regular expression: ${(err as Error).message}` };
  }
  return { ok: true, source, flags };
}

function charClass(c: Cursor): { text: string } | { error: string } {
  const s = c.s;
  c.i++;
  let text = '[';
  if (s[c.i] === '^') {
    text += '^';
    c.i++;
  }
  if (s[c.i] === ']') {
    text += lit(']');
    c.i++;
  }
  while (c.i < s.length && s[c.i] !== ']') {
    const ch = s[c.i] ?? '';
    if (ch === '[' && s[c.i + 1] === ':') return { error: 'POSIX class [[:…:]]' };
    if (ch === '\\') {
      const e = escape(c, true);
      if ('error' in e) return e;
      text += e.text;
      continue;
    }
    text += ch === '[' ? lit('[') : ch;
    c.i++;
  }
  if (s[c.i] !== ']') return { error: 'unterminated character class' };
  c.i++;
  return { text: text + ']' };
}

/** Go's Regexp.Expand: $1, ${1}, $name, ${name}; a name is as long as possible; $$ is a dollar. */
export function expandRegexReplacement(template: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch !== '$') {
      out += ch;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const bare = /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced?.[1] ?? bare?.[0];
    if (name === undefined) {
      out += '$';
      continue;
    }
    i += (braced?.[0] ?? bare?.[0] ?? '').length;
    let num = -1;
    if (/^\d+$/.test(name) && !(name.length > 1 && name.startsWith('0')) && name.length <= 8) num = Number(name);
    if (num >= 0) out += m[num] ?? '';
    else out += m.groups?.[name] ?? '';
  }
  return out;
}
