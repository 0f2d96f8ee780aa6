// Go's fmt formatting of float64 (%v, %g, %e, %f), so that templated annotations read exactly as
// Prometheus renders them: `{{ $value }}` of 1e6 is "1e+06" there, not "1000000".

/** Decimal digits (no trailing zeros) and the decimal point position: value = 0.d1d2… × 10^dp. */
interface Digits {
  readonly d: string;
  readonly dp: number;
}

function specials(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

/** The exact decimal digits of a finite positive double (every double is a finite decimal). */
function exactDigits(x: number): Digits {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & ((1n << 52n) - 1n);
  let e: number;
  if (expBits === 0) e = -1074;
  else {
    mant |= 1n << 52n;
    e = expBits - 1075;
  }
  const text = e >= 0 ? (mant << BigInt(e)).toString() : (mant * 5n ** BigInt(-e)).toString();
  const dp = e >= 0 ? text.length : text.length + e;
  return { d: text.replace(/0+$/, '') || '0', dp };
}

/** Keeps `nd` digits, rounding half to even on the exact value, as Go's strconv does. */
function roundTo(x: Digits, nd: number): Digits {
  if (nd < 0) return { d: '0', dp: 1 };
  if (x.d.length <= nd) return x;
  const next = x.d.charCodeAt(nd) - 48;
  const restNonZero = /[1-9]/.test(x.d.slice(nd + 1));
  const lastOdd = nd > 0 && (x.d.charCodeAt(nd - 1) - 48) % 2 === 1;
  const up = next > 5 || (next === 5 && (restNonZero || lastOdd));
  let kept = x.d.slice(0, nd);
  let dp = x.dp;
  if (up) {
    const digits = kept.split('').map(Number);
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i < 0) {
      digits.unshift(1);
      dp++;
    } else {
      digits[i]!++;
    }
    kept = digits.join('');
  }
  kept = kept.replace(/0+$/, '');
  return kept === '' ? { d: '0', dp: 1 } : { d: kept, dp };
}

/** Digits of |v| rounded to `significant` digits, or the shortest exact ones when undefined. */
function digitsOf(abs: number, significant?: number): Digits {
  if (abs === 0) return { d: '0', dp: 1 };
  if (significant === undefined) {
    const [mant, exp] = abs.toExponential().split('e') as [string, string];
    return { d: mant.replace('.', '').replace(/0+$/, '') || '0', dp: Number(exp) + 1 };
  }
  return roundTo(exactDigits(abs), significant);
}

function fmtE(neg: boolean, digs: Digits, prec: number): string {
  let out = neg ? '-' : '';
  out += digs.d[0] ?? '0';
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) out += digs.d[i] ?? '0';
  }
  const exp = digs.d === '0' ? 0 : digs.dp - 1;
  const e = Math.abs(exp);
  return `${out}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
}

function fmtF(neg: boolean, digs: Digits, decimals: number): string {
  let out = neg ? '-' : '';
  if (digs.dp > 0) {
    for (let i = 0; i < digs.dp; i++) out += digs.d[i] ?? '0';
  } else {
    out += '0';
  }
  if (decimals > 0) {
    out += '.';
    for (let i = 0; i < decimals; i++) {
      const j = digs.dp + i;
      out += j >= 0 ? (digs.d[j] ?? '0') : '0';
    }
  }
  return out;
}

/** Go's %g (prec undefined: %v, the shortest representation). */
export function formatG(v: number, prec?: number): string {
  const s = specials(v);
  if (s !== undefined) return s;
  const neg = v < 0 || Object.is(v, -0);
  const shortest = prec === undefined;
  let p = prec === undefined ? 0 : Math.max(prec, 1);
  const digs = digitsOf(Math.abs(v), shortest ? undefined : p);
  if (shortest) p = digs.d.length;
  let eprec = p;
  if (eprec > digs.d.length && digs.d.length >= digs.dp) eprec = digs.d.length;
  if (shortest) eprec = 6;
  const exp = digs.dp - 1;
  if (exp < -4 || exp >= eprec) return fmtE(neg, digs, Math.min(p, digs.d.length) - 1);
  if (p > digs.dp) p = digs.d.length;
  return fmtF(neg, digs, Math.max(p - digs.dp, 0));
}

/** Go's %e with `prec` decimals (default 6; negative: the shortest exact representation, strconv's -1). */
export function formatE(v: number, prec = 6): string {
  const s = specials(v);
  if (s !== undefined) return s;
  const digs = digitsOf(Math.abs(v), prec < 0 ? undefined : prec + 1);
  return fmtE(v < 0, digs, prec < 0 ? digs.d.length - 1 : prec);
}

/** Go's %f with `prec` decimals (default 6). */
export function formatF(v: number, prec = 6): string {
  const s = specials(v);
  if (s !== undefined) return s;
  const digs =
    v === 0
      ? { d: '0', dp: 1 }
      : (() => {
          const exact = exactDigits(Math.abs(v));
          return roundTo(exact, exact.dp + prec);
        })();
  return fmtF(v < 0, digs, prec);
}
