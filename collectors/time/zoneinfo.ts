// The local time zone's abbreviation ("UTC", "CET", "EDT") from the system's zone database (TZif
// files, RFC 8536), as the C library and Go (node_exporter) read it. Not Intl: formatting a zone name
// through ICU makes ~7 MB of ICU data resident in a daemon that never needs it otherwise
// (docs/footprint.md). Parsing is pure (bytes and TZ strings in, a zone out); reading the files is
// `localZone`'s job.
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One local time type: offset east of UTC, whether it is daylight saving time, its abbreviation. */
interface LocalType {
  readonly offsetSeconds: number;
  readonly dst: boolean;
  readonly name: string;
}

/** A zone: the abbreviation in force at an instant (ms since the epoch). */
export interface Zone {
  nameAt(ms: number): string;
}

const UTC: Zone = { nameAt: () => 'UTC' };

// ---- POSIX TZ strings ("CET-1CEST,M3.5.0,M10.5.0/3"): the footer of a TZif file ----

/** When a rule switches: Jn (1–365, no Feb 29), n (0–365), or Mm.w.d; `time` in seconds of local time. */
type RuleDate = { kind: 'J' | 'n'; day: number; time: number } | { kind: 'M'; month: number; week: number; weekday: number; time: number };

interface PosixRule {
  readonly std: LocalType;
  readonly dst?: { readonly type: LocalType; readonly start: RuleDate; readonly end: RuleDate };
}

/** Parses a POSIX TZ string; undefined when it is not one. */
export function parsePosixTz(text: string): PosixRule | undefined {
  let i = 0;
  const name = (): string | undefined => {
    if (text[i] === '<') {
      const end = text.indexOf('>', i);
      if (end < 0) return undefined;
      const n = text.slice(i + 1, end);
      i = end + 1;
      return n;
    }
    const m = /^[A-Za-z]{3,}/.exec(text.slice(i));
    if (m === null) return undefined;
    i += m[0].length;
    return m[0];
  };
  // [+-]hh[:mm[:ss]], in seconds; `signed` offsets are west of UTC positive (POSIX), times may be negative too.
  const hms = (): number | undefined => {
    const m = /^([+-]?)(\d{1,3})(?::(\d{1,2}))?(?::(\d{1,2}))?/.exec(text.slice(i));
    if (m === null) return undefined;
    i += m[0].length;
    const s = Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
    return m[1] === '-' ? -s : s;
  };
  const ruleDate = (): RuleDate | undefined => {
    let date: RuleDate | undefined;
    let m: RegExpExecArray | null;
    if ((m = /^M(\d{1,2})\.(\d)\.(\d)/.exec(text.slice(i))) !== null) {
      date = { kind: 'M', month: Number(m[1]), week: Number(m[2]), weekday: Number(m[3]), time: 7200 };
    } else if ((m = /^J(\d{1,3})/.exec(text.slice(i))) !== null) {
      date = { kind: 'J', day: Number(m[1]), time: 7200 };
    } else if ((m = /^(\d{1,3})/.exec(text.slice(i))) !== null) {
      date = { kind: 'n', day: Number(m[1]), time: 7200 };
    }
    if (date === undefined || m === null) return undefined;
    i += m[0].length;
    if (text[i] === '/') {
      i++;
      const t = hms();
      if (t === undefined) return undefined;
      date = { ...date, time: t };
    }
    return date;
  };

  const stdName = name();
  const stdOffset = stdName === undefined ? undefined : hms();
  if (stdName === undefined || stdOffset === undefined) return undefined;
  const std = { name: stdName, offsetSeconds: stdOffset === 0 ? 0 : -stdOffset, dst: false };
  if (i === text.length) return { std };
  const dstName = name();
  if (dstName === undefined) return undefined;
  let dstOffset = -stdOffset + 3600;
  if (i < text.length && text[i] !== ',') {
    const o = hms();
    if (o === undefined) return undefined;
    dstOffset = -o;
  }
  // No rule: the US rules, as glibc assumes.
  const rules = i === text.length ? ',M3.2.0,M11.1.0' : text.slice(i);
  text = rules;
  i = 0;
  if (text[i++] !== ',') return undefined;
  const start = ruleDate();
  if (text[i++] !== ',') return undefined;
  const end = ruleDate();
  if (start === undefined || end === undefined || i !== text.length) return undefined;
  return { std, dst: { type: { name: dstName, offsetSeconds: dstOffset, dst: true }, start, end } };
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Seconds from the start of `year` (local) to the rule's day, plus its time of day. */
function ruleSeconds(d: RuleDate, year: number): number {
  let day: number;
  if (d.kind !== 'M') day = d.kind === 'J' ? d.day - 1 + (isLeap(year) && d.day >= 60 ? 1 : 0) : d.day;
  else {
    const first = Date.UTC(year, d.month - 1, 1);
    const firstWeekday = new Date(first).getUTCDay();
    let dom = 1 + ((d.weekday - firstWeekday + 7) % 7) + (d.week - 1) * 7;
    const daysInMonth = new Date(Date.UTC(year, d.month, 0)).getUTCDate();
    while (dom > daysInMonth) dom -= 7;
    day = (Date.UTC(year, d.month - 1, dom) - Date.UTC(year, 0, 1)) / 86_400_000;
  }
  return day * 86_400 + d.time;
}

/** The local type a POSIX rule gives at `seconds` since the epoch. */
function posixTypeAt(rule: PosixRule, seconds: number): LocalType {
  const dst = rule.dst;
  if (dst === undefined) return rule.std;
  const year = new Date((seconds + rule.std.offsetSeconds) * 1000).getUTCFullYear();
  const yearStart = Date.UTC(year, 0, 1) / 1000;
  // The start is given in standard time, the end in daylight saving time.
  const start = yearStart + ruleSeconds(dst.start, year) - rule.std.offsetSeconds;
  const end = yearStart + ruleSeconds(dst.end, year) - dst.type.offsetSeconds;
  const inDst = start < end ? seconds >= start && seconds < end : !(seconds >= end && seconds < start);
  return inDst ? dst.type : rule.std;
}

// ---- TZif files ----

/** Parses a TZif file (versions 1 to 4); undefined when it is not one. */
export function parseTzif(bytes: Uint8Array): Zone | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = (at: number) => at + 44 <= bytes.length && String.fromCharCode(...bytes.subarray(at, at + 4)) === 'TZif';
  if (!magic(0)) return undefined;
  const counts = (at: number) => Array.from({ length: 6 }, (_, k) => view.getUint32(at + 20 + 4 * k));
  const block = (at: number, timeSize: 4 | 8) => {
    const [isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt] = counts(at) as [number, number, number, number, number, number];
    const size = timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt;
    return { start: at + 44, end: at + 44 + size, timecnt, typecnt, charcnt };
  };
  const version = bytes[4]!;
  let b = block(0, 4);
  let timeSize: 4 | 8 = 4;
  if (version >= 0x32 && magic(b.end)) {
    b = block(b.end, 8);
    timeSize = 8;
  }
  if (b.end > bytes.length || b.typecnt === 0) return undefined;
  const times: number[] = [];
  let at = b.start;
  for (let k = 0; k < b.timecnt; k++, at += timeSize) times.push(timeSize === 8 ? Number(view.getBigInt64(at)) : view.getInt32(at));
  const index = Array.from(bytes.subarray(at, at + b.timecnt));
  at += b.timecnt;
  const chars = bytes.subarray(at + b.typecnt * 6, at + b.typecnt * 6 + b.charcnt);
  const types: LocalType[] = [];
  for (let k = 0; k < b.typecnt; k++, at += 6) {
    const abbr = view.getUint8(at + 5);
    const nul = chars.indexOf(0, abbr);
    types.push({
      offsetSeconds: view.getInt32(at),
      dst: view.getUint8(at + 4) === 1,
      name: String.fromCharCode(...chars.subarray(abbr, nul < 0 ? undefined : nul)),
    });
  }
  // Version 2+: a POSIX TZ string after the data, for instants after the last transition.
  const footer = timeSize === 8 ? new TextDecoder().decode(bytes.subarray(b.end)).split('\n')[1] : undefined;
  const rule = footer !== undefined && footer !== '' ? parsePosixTz(footer) : undefined;
  return {
    nameAt(ms) {
      const s = Math.floor(ms / 1000);
      if (times.length === 0 || s < times[0]!) return rule !== undefined && times.length === 0 ? posixTypeAt(rule, s).name : types[0]!.name;
      if (s >= times[times.length - 1]! && rule !== undefined) return posixTypeAt(rule, s).name;
      let lo = 0;
      let hi = times.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (times[mid]! <= s) lo = mid;
        else hi = mid - 1;
      }
      return types[index[lo]!]?.name ?? 'UTC';
    },
  };
}

const readZoneFile = (file: string): Zone | undefined => {
  try {
    return parseTzif(readFileSync(file));
  } catch {
    return undefined;
  }
};

/**
 * The process's local zone, found as V8 and Go find it: $TZ unset → /etc/localtime; $TZ a zone name
 * (":" optional) → that file under $TZDIR or /usr/share/zoneinfo. UTC when that gives no zone (an
 * empty TZ, a POSIX rule string in $TZ, which neither V8 nor Go reads either, a container without a
 * zone database), as V8's offset is then UTC's too.
 */
export function localZone(env: { readonly TZ?: string; readonly TZDIR?: string }): Zone {
  const tz = env.TZ;
  if (tz === undefined) return readZoneFile('/etc/localtime') ?? UTC;
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  if (name === '') return UTC;
  const file = path.isAbsolute(name) ? name : path.join(env.TZDIR || '/usr/share/zoneinfo', name);
  return (name.includes('..') ? undefined : readZoneFile(file)) ?? UTC;
}
