import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMeminfo } from './meminfo.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const asMap = (text: string): Map<string, number> => new Map(parseMeminfo(text).fields.map((f) => [f.name, f.value]));

describe('parseMeminfo', () => {
  it("parses every line of this host's /proc/meminfo under node_exporter's names", () => {
    const text = fixture('meminfo.this-host');
    const info = parseMeminfo(text);
    expect(info.malformed).toBe(0);
    expect(info.fields).toHaveLength(text.trim().split('\n').length);
    const m = asMap(text);
    expect(m.get('node_memory_MemTotal_bytes')).toBe(24683656 * 1024);
    // "Active(anon)" → Active_anon, as node_exporter names it
    expect(m.get('node_memory_Active_anon_bytes')).toBe(1548 * 1024);
    expect(m.get('node_memory_Inactive_file_bytes')).toBe(58244 * 1024);
    expect(m.get('node_memory_VmallocTotal_bytes')).toBe(34359738367 * 1024);
    // Page counts carry no unit and no _bytes suffix
    expect(m.get('node_memory_HugePages_Total')).toBe(0);
    expect(m.has('node_memory_HugePages_Total_bytes')).toBe(false);
    expect(m.get('node_memory_Hugepagesize_bytes')).toBe(2048 * 1024);
    expect([...m.keys()].every((n) => /^node_memory_[A-Za-z0-9_]+$/.test(n))).toBe(true);
  });

  it('parses a host without swap: SwapTotal 0, no SwapCached line, and nothing invented', () => {
    const m = asMap(fixture('meminfo.no-swap'));
    expect(m.get('node_memory_SwapTotal_bytes')).toBe(0);
    expect(m.get('node_memory_SwapFree_bytes')).toBe(0);
    expect(m.has('node_memory_SwapCached_bytes')).toBe(false);
    expect(m.get('node_memory_HugePages_Total')).toBe(16);
    expect(m.get('node_memory_HugePages_Free')).toBe(4);
    expect(m.get('node_memory_Active_anon_bytes')).toBe(401234 * 1024);
    expect(m.size).toBe(25);
  });

  it('skips malformed lines, counts them, and keeps the rest', () => {
    const info = parseMeminfo(fixture('meminfo.malformed'));
    // "MemFree: lots kB", a line without a colon, a negative value, an unknown unit (MB)
    expect(info.malformed).toBe(4);
    expect(info.fields).toEqual([
      { name: 'node_memory_MemTotal_bytes', value: 8000000 * 1024 },
      { name: 'node_memory_Buffers_bytes', value: 12345 * 1024 },
      { name: 'node_memory_HugePages_Total', value: 2 },
    ]);
  });
});
