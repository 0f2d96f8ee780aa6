// The test parser itself: the e2e assertions are only as good as what it reads.
import { describe, expect, it } from 'vitest';
import { parsePromText, scalar, seriesKey, seriesOf } from './prom-text.ts';

const TEXT = String.raw`# HELP node_filesystem_size_bytes Filesystem size in bytes.
# TYPE node_filesystem_size_bytes gauge
node_filesystem_size_bytes{device="/dev/sdz2",fstype="xfs",mountpoint="/srv/a \"b\"\\c\nd"} 2.70553174016e+11
node_filesystem_size_bytes{mountpoint="/",} 4096
# HELP tick Tick time with a \\ and a \n in help.
# TYPE tick histogram
tick_bucket{le="0.1"} 3
tick_bucket{le="+Inf"} 5
tick_sum 0.25
tick_count 5
# a plain comment
# TYPE go_gc summary
go_gc{quantile="0.5"} NaN
go_gc_sum 1
go_gc_count 2
untyped_thing -Inf 1700000000000
`;

describe('parsePromText', () => {
  const e = parsePromText(TEXT);

  it('reads types, help (unescaped) and label values with escapes', () => {
    const fs = e.families.get('node_filesystem_size_bytes')!;
    expect(fs.type).toBe('gauge');
    expect(fs.help).toBe('Filesystem size in bytes.');
    expect(fs.samples[0]).toEqual({
      name: 'node_filesystem_size_bytes',
      labels: { device: '/dev/sdz2', fstype: 'xfs', mountpoint: '/srv/a "b"\\c\nd' },
      value: 270553174016,
    });
    expect(fs.samples[1]!.labels).toEqual({ mountpoint: '/' });
    expect(e.families.get('tick')!.help).toBe('Tick time with a \\ and a \n in help.');
  });

  it('groups histogram and summary parts under their family; reads Inf, NaN and timestamps', () => {
    expect(e.families.get('tick')!.samples.map((s) => s.name)).toEqual(['tick_bucket', 'tick_bucket', 'tick_sum', 'tick_count']);
    expect(e.families.has('tick_bucket')).toBe(false);
    expect(e.families.get('go_gc')!.samples).toHaveLength(3);
    expect(e.families.get('go_gc')!.samples[0]!.value).toBeNaN();
    const u = e.families.get('untyped_thing')!;
    expect(u.type).toBeUndefined();
    expect(u.samples[0]).toMatchObject({ value: -Infinity, timestampMs: 1700000000000 });
    expect(scalar(e, 'untyped_thing')).toBe(-Infinity);
  });

  it('rejects malformed lines with their line number', () => {
    expect(() => parsePromText('ok 1\nbad{a="x} 1\n')).toThrow(/^line 2: /);
    expect(() => parsePromText('x{a="1",a="2"} 1')).toThrow(/repeated/);
    expect(() => parsePromText('x 1 2 3')).toThrow(/value/);
    expect(() => parsePromText('x one')).toThrow(/not a number/);
    expect(() => parsePromText('x 1\n# TYPE x gauge')).toThrow(/after its samples/);
  });

  it('keys series by sorted labels and refuses duplicates', () => {
    expect(seriesKey({ b: '1', a: 'x"y' })).toBe('{a="x\\"y",b="1"}');
    expect(() => seriesOf(parsePromText('x{a="1",b="2"} 1\nx{b="2",a="1"} 2').families.get('x'))).toThrow(/twice/);
  });
});
