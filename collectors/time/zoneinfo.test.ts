import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { localZone, parsePosixTz, parseTzif } from './zoneinfo.ts';

// Copies of tzdata's files (fat: transitions until 2037, then the POSIX footer) and a slim one made
// by `zic -b slim Slim/Berlin.zic` (no transitions at all: the footer alone).
const TZDIR = fileURLToPath(new URL('./testdata/zoneinfo/', import.meta.url));
const zone = (name: string) => parseTzif(readFileSync(`${TZDIR}${name}`))!;
const at = (iso: string) => Date.parse(iso);

describe('zone abbreviations from TZif files', () => {
  it('follows the transitions of the file', () => {
    const berlin = zone('Europe/Berlin');
    expect(berlin.nameAt(at('2026-01-15T12:00:00Z'))).toBe('CET');
    expect(berlin.nameAt(at('2026-03-29T00:59:59Z'))).toBe('CET');
    expect(berlin.nameAt(at('2026-03-29T01:00:00Z'))).toBe('CEST');
    expect(berlin.nameAt(at('2026-10-25T00:59:59Z'))).toBe('CEST');
    expect(berlin.nameAt(at('2026-10-25T01:00:00Z'))).toBe('CET');
    const newYork = zone('America/New_York');
    expect(newYork.nameAt(at('2025-01-15T00:00:00Z'))).toBe('EST');
    expect(newYork.nameAt(at('2025-07-15T00:00:00Z'))).toBe('EDT');
    expect(zone('Asia/Kolkata').nameAt(at('2026-07-01T00:00:00Z'))).toBe('IST');
  });

  it('uses the POSIX rule of the footer after the last transition', () => {
    const berlin = zone('Europe/Berlin');
    expect(berlin.nameAt(at('2040-07-01T00:00:00Z'))).toBe('CEST');
    expect(berlin.nameAt(at('2100-01-01T00:00:00Z'))).toBe('CET');
    const slim = zone('Slim/Berlin');
    expect(slim.nameAt(at('2026-03-29T00:59:59Z'))).toBe('CET');
    expect(slim.nameAt(at('2026-03-29T01:00:00Z'))).toBe('CEST');
    expect(slim.nameAt(at('2026-10-25T00:59:59Z'))).toBe('CEST');
    expect(slim.nameAt(at('2026-10-25T01:00:00Z'))).toBe('CET');
  });

  it('refuses what is not a TZif file', () => {
    expect(parseTzif(new TextEncoder().encode('CET-1CEST'))).toBeUndefined();
    expect(parseTzif(new Uint8Array(0))).toBeUndefined();
  });
});

describe('POSIX TZ rules', () => {
  it('reads names, offsets and rules', () => {
    expect(parsePosixTz('UTC0')).toEqual({ std: { name: 'UTC', offsetSeconds: 0, dst: false } });
    expect(parsePosixTz('<+0530>-5:30')).toEqual({ std: { name: '+0530', offsetSeconds: 19800, dst: false } });
    const us = parsePosixTz('EST5EDT,M3.2.0,M11.1.0')!;
    expect(us.std).toEqual({ name: 'EST', offsetSeconds: -18000, dst: false });
    expect(us.dst?.type).toEqual({ name: 'EDT', offsetSeconds: -14400, dst: true });
    expect(parsePosixTz('EST5EDT')?.dst?.start).toEqual({ kind: 'M', month: 3, week: 2, weekday: 0, time: 7200 });
    expect(parsePosixTz('<-03>3<-02>,M3.5.0/-2,M10.5.0/-1')?.dst?.end).toEqual({ kind: 'M', month: 10, week: 5, weekday: 0, time: -3600 });
    expect(parsePosixTz('')).toBeUndefined();
    expect(parsePosixTz('CET-1CEST,M3.5.0')).toBeUndefined();
  });
});

describe('the local zone', () => {
  it('is the file $TZ names under $TZDIR, with or without a colon', () => {
    expect(localZone({ TZ: 'Europe/Berlin', TZDIR }).nameAt(at('2026-07-01T00:00:00Z'))).toBe('CEST');
    expect(localZone({ TZ: ':Asia/Kolkata', TZDIR }).nameAt(at('2026-07-01T00:00:00Z'))).toBe('IST');
  });

  it('is UTC for an empty $TZ, a POSIX rule in $TZ (V8 and Go read neither) or a missing file', () => {
    for (const TZ of ['', 'CET-1CEST,M3.5.0,M10.5.0/3', 'No/Such_Zone', '../../etc/passwd']) {
      expect(localZone({ TZ, TZDIR }).nameAt(at('2026-07-01T00:00:00Z'))).toBe('UTC');
    }
  });
});
