// PromQL literals as Prometheus 2.42 reads them: strings with Go escapes, numbers via Go's
// ParseInt(base 0) then ParseFloat, durations with units y w d h m s ms.

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const SIMPLE: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

export function unquoteString(text: string): Parsed<string> {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) return { ok: false, reason: 'unterminated quoted string' };
  const body = text.slice(1, -1);
  if (q === '`') return { ok: true, value: body };
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] ?? '';
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const e = body[i + 1] ?? '';
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
      i++;
      continue;
    }
    if (e === q) {
      out += e;
      i++;
      continue;
    }
    const hexLen = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (hexLen > 0) {
      const hex = body.slice(i + 2, i + 2 + hexLen);
      if (!new RegExp(`^[0-9a-fA-F]{${hexLen}}$`).test(hex)) return { ok: false, reason: `invalid escape \\${e} in string` };
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return { ok: false, reason: `invalid escape \\${e}${hex} in string` };
      out += String.fromCodePoint(cp);
      i += 1 + hexLen;
      continue;
    }
    if (/^[0-7]{3}$/.test(body.slice(i + 1, i + 4))) {
      const cp = parseInt(body.slice(i + 1, i + 4), 8);
      if (cp > 255) return { ok: false, reason: 'octal escape value > 255 in string' };
      out += String.fromCodePoint(cp);
      i += 3;
      continue;
    }
    return { ok: false, reason: `unknown escape sequence \\${e} in string` };
  }
  return { ok: true, value: out };
}

const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];

/** model.ParseDuration: "0" or unit groups in order; a plain number is not a duration in 2.42. */
export function parseDuration(text: string): Parsed<number> {
  if (text === '0') return { ok: true, value: 0 };
  const m = DURATION.exec(text);
  if (m === null || text === '') return { ok: false, reason: `not a valid duration string: "${text}" (a duration needs a unit: ms s m h d w y)` };
  let ms = 0;
  for (let g = 1; g <= 7; g++) if (m[g] !== undefined) ms += Number(m[g]) * (UNIT_MS[g - 1] ?? 0);
  return { ok: true, value: ms };
}

/** A number literal (sign included): Go's ParseInt(s, 0, 64), else ParseFloat, plus Inf/NaN. */
export function parseNumber(text: string): Parsed<number> {
  let sign = 1;
  let s = text;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  const lower = s.toLowerCase();
  if (lower === 'inf') return { ok: true, value: sign * Infinity };
  if (lower === 'nan') return { ok: true, value: NaN };
  if (/^0[xX][0-9a-fA-F]+$/.test(s)) return { ok: true, value: sign * parseInt(s.slice(2), 16) };
  if (/^0[0-7]+$/.test(s)) return { ok: true, value: sign * parseInt(s, 8) };
  if (/^(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(s)) return { ok: true, value: sign * Number(s) };
  return { ok: false, reason: `"${text}" is not a number Prometheus 2.42 accepts (durations are not numbers there)` };
}
