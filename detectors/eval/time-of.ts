// A row's time in seconds since the epoch, for the seasonal context: ISO dates (no zone = UTC),
// epoch seconds or milliseconds. Row numbers (files without timestamps) and anything else give NaN:
// such rows get no time-of-day context.
const EPOCH_MIN = 1e8; // 1973: smaller numbers are row numbers, not epoch seconds

export function timeOf(t: string): number {
  const s = t.trim();
  if (s === '') return Number.NaN;
  const c = s.charCodeAt(0);
  if ((c >= 48 && c <= 57) || c === 45 || c === 43) {
    const v = Number(s);
    if (Number.isFinite(v)) return v >= 1e11 ? v / 1000 : v >= EPOCH_MIN ? v : Number.NaN;
  }
  const d = Date.parse(/[zZ]$|[+-]\d\d:?\d\d$/.test(s) ? s : s.replace(' ', 'T') + 'Z');
  return Number.isFinite(d) ? d / 1000 : Number.NaN;
}
