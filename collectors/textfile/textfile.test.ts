import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectFixture, fixtureContext, valueOf } from '../testing.ts';
import { parseTextfile } from './parse.ts';
import { goFloatString, textfileCollector } from './textfile.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function files(contents: Record<string, string>): string {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-textfile-'));
  for (const [name, text] of Object.entries(contents)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const collect = (directory: string) => collectFixture(textfileCollector, fixtureContext(dir || tmpdir()), { directory });

describe('textfile parser (expfmt.TextParser rules)', () => {
  it.each([
    ['a bad label list', 'x{ 1\n'],
    ['duplicate label names', 'x{a="1",a="2"} 1\n'],
    ['the reserved __name__ label', 'x{__name__="y"} 1\n'],
    ['an invalid escape in a label value', 'x{a="\\q"} 1\n'],
    ['a second HELP', '# HELP x a\n# HELP x b\nx 1\n'],
    ['a second TYPE', '# TYPE x gauge\n# TYPE x gauge\nx 1\n'],
    ['an unknown TYPE', '# TYPE x number\nx 1\n'],
    ['a value that is not a number', 'x one\n'],
    ['a non-integer timestamp', 'x 1 1.5\n'],
    ['a third field', 'x 1 2 3\n'],
  ])('rejects the file on %s, naming the line', (_what, text) => {
    const r = parseTextfile(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/line \d+/);
  });

  it('reads comments, blank lines, escapes, NaN/Inf, trailing commas and histogram/summary suffixes', () => {
    const r = parseTextfile(
      '# a comment\n\n# HELP x a\\\\b\\nc\n# TYPE x gauge\nx{a="q\\"\\n",} NaN\nx{a="2"} +Inf\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 2\nh_count 1\n',
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.families.get('x')!.help).toBe('a\\b\nc');
    expect(r.families.get('x')!.samples[0]!.labels).toEqual({ a: 'q"\n' });
    expect(r.families.get('h')!.samples.map((s) => s.name)).toEqual(['h_bucket', 'h_sum', 'h_count']);
  });
});

describe('textfile collector', () => {
  it('reports only node_textfile_scrape_error 0 without a directory (node_exporter default)', async () => {
    const { samples } = await collect('');
    expect(samples).toEqual([expect.objectContaining({ name: 'node_textfile_scrape_error', value: 0 })]);
  });

  it('sets scrape_error for a missing directory and goes on', async () => {
    const { samples } = await collect('/nonexistent/vigil-textfile');
    expect(valueOf(samples, 'node_textfile_scrape_error')).toBe(1);
  });

  it('reads *.prom files, skips a malformed or timestamped file whole, and reports mtimes of the good ones', async () => {
    const d = files({
      'a.prom': '# HELP app_x X.\n# TYPE app_x gauge\napp_x{k="1"} 2\napp_x 3\n',
      'b.prom': 'app_y{ 1\n',
      'c.prom': 'app_z 1 1700000000000\n',
      'd.txt': 'app_w 1\n',
    });
    const { samples, malformed } = await collect(d);
    expect(malformed).toBe(2);
    expect(valueOf(samples, 'node_textfile_scrape_error')).toBe(1);
    expect(valueOf(samples, 'app_x', { k: '1' })).toBe(2);
    // node_exporter gives every series of a family every label name of it.
    expect(valueOf(samples, 'app_x', { k: '' })).toBe(3);
    expect(samples.find((s) => s.name === 'app_x')!.help).toBe('X.');
    expect(samples.some((s) => ['app_y', 'app_z', 'app_w'].includes(s.name))).toBe(false);
    const file = path.join(d, 'a.prom');
    expect(valueOf(samples, 'node_textfile_mtime_seconds', { file })).toBe(Math.floor(statSync(file).mtimeMs / 1000));
    expect(samples.filter((s) => s.name === 'node_textfile_mtime_seconds')).toHaveLength(1);
  });

  it('keeps the first family of a name across files: another HELP or TYPE, or a repeated series, is dropped', async () => {
    const d = files({
      'a.prom': '# HELP app_h One.\napp_h{f="a"} 1\n# TYPE app_t gauge\napp_t 1\napp_u{f="a"} 1\napp_d 1\n',
      'b.prom': '# HELP app_h Two.\napp_h{f="b"} 2\n# TYPE app_t counter\napp_t 2\napp_u{f="b"} 2\napp_d 2\n',
    });
    const { samples } = await collect(d);
    expect(samples.filter((s) => s.name === 'app_h').map((s) => s.value)).toEqual([1]);
    expect(samples.filter((s) => s.name === 'app_t').map((s) => s.value)).toEqual([1]);
    expect(samples.filter((s) => s.name === 'app_d').map((s) => s.value)).toEqual([1]);
    // Without HELP, the help names every file that has the family, so both files agree.
    expect(samples.filter((s) => s.name === 'app_u').map((s) => s.help)).toEqual([
      `Metric read from ${path.join(d, 'a.prom')}, ${path.join(d, 'b.prom')}`,
      `Metric read from ${path.join(d, 'a.prom')}, ${path.join(d, 'b.prom')}`,
    ]);
    expect(valueOf(samples, 'node_textfile_scrape_error')).toBe(0);
  });

  it("drops families the agent serves itself (another collector's, its own), keeping the rest of the file", async () => {
    const d = files({
      'a.prom': 'node_load1 99\nnode_memory_MemFree_bytes 1\nvigil_ticks_total 5\nnode_scrape_collector_success{collector="x"} 1\napp_ok 1\n',
    });
    const { samples } = await collect(d);
    expect(samples.filter((s) => s.name !== 'node_textfile_mtime_seconds' && s.name !== 'node_textfile_scrape_error').map((s) => s.name)).toEqual(['app_ok']);
    expect(valueOf(samples, 'node_textfile_scrape_error')).toBe(0);
  });

  it('serves counters named *_total as counters, everything else as gauges', async () => {
    const d = files({ 'a.prom': '# TYPE a_total counter\na_total 1\n# TYPE b counter\nb 1\n# TYPE s summary\ns{quantile="0.5"} 1\ns_sum 2\ns_count 3\n' });
    const { samples } = await collect(d);
    expect(samples.find((s) => s.name === 'a_total')!.kind).toBe('counter');
    expect(samples.filter((s) => s.name !== 'a_total').every((s) => s.kind === 'gauge')).toBe(true);
    expect(valueOf(samples, 's_count')).toBe(3);
  });
});

describe('histograms and summaries as node_exporter re-creates them', () => {
  it('formats bounds like Go, adds the +Inf bucket and a missing _sum/_count', async () => {
    expect([1e6, 100000, 0.1, 1e-5, 0.0001, 123456789, Infinity].map(goFloatString)).toEqual([
      '1e+06',
      '100000',
      '0.1',
      '1e-05',
      '0.0001',
      '1.23456789e+08',
      '+Inf',
    ]);
    const d = files({ 'a.prom': '# TYPE h histogram\nh_bucket{le="1.0"} 1\nh_count 4\n# TYPE s summary\ns{quantile="0.50"} 2\n' });
    const { samples } = await collect(d);
    expect(valueOf(samples, 'h_bucket', { le: '1' })).toBe(1);
    expect(valueOf(samples, 'h_bucket', { le: '+Inf' })).toBe(4);
    expect(valueOf(samples, 'h_sum')).toBe(0);
    expect(valueOf(samples, 's', { quantile: '0.5' })).toBe(2);
    expect(valueOf(samples, 's_count')).toBe(0);
  });
});
