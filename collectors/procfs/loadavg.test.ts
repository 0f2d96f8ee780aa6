import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseLoadavg } from './loadavg.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('parseLoadavg', () => {
  it("parses this host's /proc/loadavg", () => {
    expect(parseLoadavg(fixture('loadavg.this-host'))).toEqual([0.1, 0.09, 0.09]);
  });

  it('is undefined for text that is not a load average', () => {
    expect(parseLoadavg(fixture('loadavg.malformed'))).toBeUndefined();
    expect(parseLoadavg('')).toBeUndefined();
    expect(parseLoadavg('1.0 2.0')).toBeUndefined();
  });
});
