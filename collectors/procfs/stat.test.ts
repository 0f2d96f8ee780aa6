import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CPU_MODES, parseProcStat } from './stat.ts';

const fixture = (name: string): string => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const mode = (m: (typeof CPU_MODES)[number]): number => CPU_MODES.indexOf(m);

describe('parseProcStat', () => {
  it("parses this host's /proc/stat: per-CPU seconds (ticks / USER_HZ) and the global counters", () => {
    const stat = parseProcStat(fixture('stat.this-host'));
    expect(stat.malformed).toBe(0);
    // The aggregate "cpu " line is not a CPU.
    expect(stat.cpus.map((c) => c.cpu)).toEqual(['0', '1']);
    const cpu0 = stat.cpus[0]!;
    // cpu0 7729 0 2628 541310 154 0 115 113 0 0
    expect(cpu0.seconds).toEqual([77.29, 0, 26.28, 5413.1, 1.54, 0, 1.15, 1.13]);
    expect(cpu0.guestSeconds).toBe(0);
    expect(cpu0.guestNiceSeconds).toBe(0);
    expect(stat.bootTime).toBe(1795426952);
    expect(stat.contextSwitches).toBe(1715946);
    expect(stat.interrupts).toBe(876424);
    expect(stat.forks).toBe(7364);
    expect(stat.procsRunning).toBe(1);
    expect(stat.procsBlocked).toBe(0);
  });

  it('parses 64 CPUs, each with its own id, modes and guest times', () => {
    const stat = parseProcStat(fixture('stat.64-cpus'));
    expect(stat.malformed).toBe(0);
    expect(stat.cpus).toHaveLength(64);
    expect(stat.cpus.map((c) => c.cpu)).toEqual(Array.from({ length: 64 }, (_, i) => String(i)));
    // cpu63 106300 63 50630 9077742 363 0 263 441 315 0
    const cpu63 = stat.cpus[63]!;
    expect(cpu63.seconds[mode('user')]).toBe(1063);
    expect(cpu63.seconds[mode('nice')]).toBe(0.63);
    expect(cpu63.seconds[mode('system')]).toBe(506.3);
    expect(cpu63.seconds[mode('idle')]).toBe(90777.42);
    expect(cpu63.seconds[mode('iowait')]).toBe(3.63);
    expect(cpu63.seconds[mode('irq')]).toBe(0);
    expect(cpu63.seconds[mode('softirq')]).toBe(2.63);
    expect(cpu63.seconds[mode('steal')]).toBe(4.41);
    expect(cpu63.guestSeconds).toBe(3.15);
    expect(cpu63.guestNiceSeconds).toBe(0);
    // cpu1 100100 1 50010 9001234 301 0 201 7 5 1
    expect(stat.cpus[1]!.guestNiceSeconds).toBe(0.01);
    expect(stat.contextSwitches).toBe(123456789012);
    expect(stat.procsRunning).toBe(65);
    expect(stat.procsBlocked).toBe(3);
  });

  it('reads a pre-2.6.24 CPU line (no guest columns) with zero guest time', () => {
    const stat = parseProcStat('cpu  20 0 10 300 1 0 0 0\ncpu0 20 0 10 300 1 0 0 0\n');
    expect(stat.malformed).toBe(0);
    expect(stat.cpus).toHaveLength(1);
    expect(stat.cpus[0]!.seconds).toEqual([0.2, 0, 0.1, 3, 0.01, 0, 0, 0]);
    expect(stat.cpus[0]!.guestSeconds).toBe(0);
  });

  it('skips malformed lines, counts them, and keeps everything else', () => {
    const stat = parseProcStat(fixture('stat.malformed'));
    // cpu2 (non-numeric), cpu3 (too few columns), cpuX (not a CPU number), ctxt and btime (no number)
    expect(stat.malformed).toBe(5);
    expect(stat.cpus.map((c) => c.cpu)).toEqual(['0', '1']);
    expect(stat.cpus[1]!.seconds[mode('softirq')]).toBe(0.03);
    expect(stat.contextSwitches).toBeUndefined();
    expect(stat.bootTime).toBeUndefined();
    expect(stat.interrupts).toBe(4242);
    expect(stat.forks).toBe(777);
    expect(stat.procsRunning).toBe(2);
    expect(stat.procsBlocked).toBe(1);
  });

  it('ignores lines it does not use', () => {
    const stat = parseProcStat('softirq 1 2 3\npage 5 6\nswap 0 0\n');
    expect(stat).toEqual({ cpus: [], malformed: 0 });
  });
});
