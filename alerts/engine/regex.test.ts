import { describe, expect, it } from 'vitest';
import { translateGoRegex } from './regex.ts';

const re = (src: string): RegExp => {
  const r = translateGoRegex(src);
  if (!r.ok) throw new Error(r.reason);
  return new RegExp(r.source, r.flags);
};

describe('Go regular expressions as JavaScript', () => {
  it('is fully anchored like Prometheus', () => {
    expect(re('foo').test('foo')).toBe(true);
    expect(re('foo').test('xfoo')).toBe(false);
    expect(re('a|b').test('ab')).toBe(false);
    expect(re('a|b').test('b')).toBe(true);
  });

  it('keeps Go meanings where JavaScript differs', () => {
    // Go: . matches \r but not \n; \s is ASCII without \v.
    expect(re('a.b').test('a\rb')).toBe(true);
    expect(re('a.b').test('a\nb')).toBe(false);
    expect(re('\\s').test('\v')).toBe(false);
    expect(re('\\s').test('\t')).toBe(true);
    expect(re('x{').test('x{')).toBe(true);
    expect(re('[]a]+').test(']a]')).toBe(true);
    expect(re('\\.\\-\\/').test('.-/')).toBe(true);
    expect(re('(?i)sda').test('SDA')).toBe(true);
    expect(re('a{2,3}').test('aaa')).toBe(true);
    expect(re('(?P<disk>sd[a-z])\\d').exec('sda1')?.groups?.disk).toBe('sda');
  });

  it('refuses what it cannot translate faithfully', () => {
    for (const bad of ['(?=a)', '(?<n>a)', '\\b', '\\pL', '[[:digit:]]', '\\Qa\\E', '(?s).', '\\1', 'a{1001}', '(a', 'a)']) {
      expect(translateGoRegex(bad).ok, bad).toBe(false);
    }
  });
});
