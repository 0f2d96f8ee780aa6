import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { osVersionNumber, parseOsRelease } from './os-release.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

describe('parseOsRelease', () => {
  it("parses this host's /etc/os-release", () => {
    const rel = parseOsRelease(fixture('os-release.this-host'));
    expect(rel.ID).toBe('debian');
    expect(rel.VERSION_ID).toBe('12');
    expect(rel.PRETTY_NAME).toBe('Debian GNU/Linux 12 (bookworm)');
    expect(rel.VERSION_CODENAME).toBe('bookworm');
  });

  it('handles double quotes, single quotes, bare values and comments', () => {
    const rel = parseOsRelease(fixture('os-release.quoting'));
    expect(rel).toEqual({
      NAME: 'Ubuntu',
      VERSION: '22.04.4 LTS (Jammy Jellyfish)',
      ID: 'ubuntu',
      ID_LIKE: 'debian',
      PRETTY_NAME: 'Ubuntu 22.04.4 LTS',
      VERSION_ID: '22.04',
      VERSION_CODENAME: 'jammy',
    });
  });
});

describe('osVersionNumber', () => {
  it('is the leading major.minor of VERSION_ID', () => {
    expect(osVersionNumber('22.04')).toBe(22.04);
    expect(osVersionNumber('12')).toBe(12);
    expect(osVersionNumber('9.3.1')).toBe(9.3);
    expect(osVersionNumber('40.20240101')).toBe(40.20240101);
  });

  it('is 0 when there is no version (rolling releases)', () => {
    expect(osVersionNumber(undefined)).toBe(0);
    expect(osVersionNumber('')).toBe(0);
    expect(osVersionNumber('rolling')).toBe(0);
  });
});
