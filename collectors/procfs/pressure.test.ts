import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePressure } from './pressure.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('parsePressure', () => {
  it("parses this host's PSI files: totals in seconds (the kernel prints microseconds)", () => {
    expect(parsePressure(fixture('pressure-cpu.this-host'))).toEqual({ some: 38.12108, full: 0 });
    expect(parsePressure(fixture('pressure-io.this-host'))).toEqual({ some: 6.440348, full: 5.683956 });
    expect(parsePressure(fixture('pressure-memory.this-host'))).toEqual({ some: 0, full: 0 });
  });

  it('parses a file with only a "some" line (cpu before Linux 5.13)', () => {
    expect(parsePressure(fixture('pressure-cpu.some-only'))).toEqual({ some: 2.5 });
  });

  it('is undefined when no line carries a total', () => {
    expect(parsePressure(fixture('pressure.malformed'))).toBeUndefined();
    expect(parsePressure('')).toBeUndefined();
  });
});
