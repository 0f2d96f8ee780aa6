// The host-metrics section's figures and their markdown: the goals table, the per-run details and
// the method, so that a reader can check how each figure was made.
import { mb, ms, num, ratio, table, verdict } from './markdown.ts';
import type { Memory } from './procstat.ts';

const GOAL = { cpuRatio: 2, p99Ratio: 1, rssBytes: 100e6 } as const;

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly count: number;
}

/** CPU seconds per 1000 operations over a whole run, and the lowest and highest of its blocks. */
export interface CpuFigure {
  readonly per1000: number;
  readonly count: number;
  readonly blockMin: number;
  readonly blockMax: number;
}

export interface HostMetricsFigures {
  readonly collectors: readonly string[];
  /** Vigil's CPU per 1000 ticks, no scrapes. */
  readonly vigilTicks: CpuFigure & { readonly overruns: number; readonly meanTickMs: number; readonly memory: Memory };
  /** Vigil's CPU per 1000 scrapes, ticks taken out. */
  readonly vigilScrapes: { readonly per1000: number; readonly count: number; readonly rawCpu: number; readonly ticksDuring: number };
  readonly vigilLatency: Latency;
  readonly vigilMemory: Memory;
  readonly vigilSeries: number;
  /** node_exporter with Vigil's collectors: CPU per 1000 scrapes (= collections). */
  readonly ne: CpuFigure;
  readonly neLatency: Latency;
  readonly neMemory: Memory;
  readonly neSeries: number;
  /** node_exporter with its default collectors, alone: a reference. */
  readonly neDefaults: { readonly cpu: CpuFigure; readonly latency: Latency; readonly memory: Memory; readonly series: number };
}

export interface Method {
  readonly vigilScript: string;
  readonly tickIntervalMs: number;
  readonly cpuBlocks: number;
  readonly warmupScrapes: number;
  readonly warmupTicks: number;
}

const spread = (c: CpuFigure): string => `${num(c.blockMin)}–${num(c.blockMax)}`;
const maxMemory = (a: Memory, b: Memory): Memory => ({
  rssBytes: Math.max(a.rssBytes, b.rssBytes),
  peakRssBytes: Math.max(a.peakRssBytes, b.peakRssBytes),
  anonBytes: Math.max(a.anonBytes, b.anonBytes),
});
const memCells = (m: Memory): string[] => [mb(m.rssBytes), mb(m.peakRssBytes), mb(m.anonBytes)];

export function renderHostMetrics(f: HostMetricsFigures, m: Method): string {
  const vigilMem = maxMemory(f.vigilTicks.memory, f.vigilMemory);
  const cpuRatio = f.vigilTicks.per1000 / f.ne.per1000;
  const goals = table(
    ['metric', 'Vigil', 'node_exporter', 'ratio (Vigil/node_exporter)', 'goal', 'met?'],
    [
      [
        'CPU seconds per 1000 collections',
        num(f.vigilTicks.per1000),
        num(f.ne.per1000),
        ratio(f.vigilTicks.per1000, f.ne.per1000),
        `≤ ${GOAL.cpuRatio}×`,
        verdict(cpuRatio <= GOAL.cpuRatio),
      ],
      [
        'CPU seconds per 1000 scrapes (Vigil: serving only; node_exporter: collect + serve)',
        num(f.vigilScrapes.per1000),
        num(f.ne.per1000),
        ratio(f.vigilScrapes.per1000, f.ne.per1000),
        '—',
        '—',
      ],
      ['/metrics latency p50', ms(f.vigilLatency.p50), ms(f.neLatency.p50), ratio(f.vigilLatency.p50, f.neLatency.p50), '—', '—'],
      [
        '/metrics latency p99',
        ms(f.vigilLatency.p99),
        ms(f.neLatency.p99),
        ratio(f.vigilLatency.p99, f.neLatency.p99),
        `≤ ${GOAL.p99Ratio}×`,
        verdict(f.vigilLatency.p99 / f.neLatency.p99 <= GOAL.p99Ratio),
      ],
      [
        'RSS after the runs (VmRSS)',
        mb(vigilMem.rssBytes),
        mb(f.neMemory.rssBytes),
        ratio(vigilMem.rssBytes, f.neMemory.rssBytes),
        `Vigil < ${mb(GOAL.rssBytes)}`,
        verdict(vigilMem.rssBytes < GOAL.rssBytes),
      ],
      [
        'Peak RSS (VmHWM)',
        mb(vigilMem.peakRssBytes),
        mb(f.neMemory.peakRssBytes),
        ratio(vigilMem.peakRssBytes, f.neMemory.peakRssBytes),
        `Vigil < ${mb(GOAL.rssBytes)}`,
        verdict(vigilMem.peakRssBytes < GOAL.rssBytes),
      ],
      ['Private memory (RssAnon)', mb(vigilMem.anonBytes), mb(f.neMemory.anonBytes), ratio(vigilMem.anonBytes, f.neMemory.anonBytes), '—', '—'],
    ],
  );
  const details = table(
    ['run', 'what was done', 'CPU s / 1000', 'p50', 'p99', 'series per scrape', 'RSS', 'peak RSS', 'RssAnon'],
    [
      [
        `Vigil, ${m.tickIntervalMs} ms interval`,
        `${f.vigilTicks.count} ticks in ${m.cpuBlocks} blocks, no scrapes; ${f.vigilTicks.overruns} overruns; mean tick ${ms(f.vigilTicks.meanTickMs)} wall`,
        `${num(f.vigilTicks.per1000)} per 1000 ticks (blocks ${spread(f.vigilTicks)})`,
        '',
        '',
        '',
        ...memCells(f.vigilTicks.memory),
      ],
      [
        'Vigil, 10 s interval',
        `${f.vigilScrapes.count} scrapes for CPU (${f.vigilScrapes.ticksDuring} tick(s) during them, taken out; raw ${num(f.vigilScrapes.rawCpu)} CPU s), ${f.vigilLatency.count} for latency`,
        `${num(f.vigilScrapes.per1000)} per 1000 scrapes`,
        ms(f.vigilLatency.p50),
        ms(f.vigilLatency.p99),
        String(f.vigilSeries),
        ...memCells(f.vigilMemory),
      ],
      [
        `node_exporter, Vigil's ${f.collectors.length} collectors`,
        `${f.ne.count} scrapes for CPU in ${m.cpuBlocks} blocks, ${f.neLatency.count} for latency`,
        `${num(f.ne.per1000)} per 1000 scrapes (blocks ${spread(f.ne)})`,
        ms(f.neLatency.p50),
        ms(f.neLatency.p99),
        String(f.neSeries),
        ...memCells(f.neMemory),
      ],
      [
        'node_exporter, default collectors (reference only)',
        `${f.neDefaults.latency.count} scrapes, alone`,
        `${num(f.neDefaults.cpu.per1000)} per 1000 scrapes`,
        ms(f.neDefaults.latency.p50),
        ms(f.neDefaults.latency.p99),
        String(f.neDefaults.series),
        ...memCells(f.neDefaults.memory),
      ],
    ],
  );
  return [
    goals,
    '',
    `Vigil ran as \`npm start\` runs it (\`${m.vigilScript}\`), with \`--listen 127.0.0.1:<free port> --log-level warn\` added, and with the detector off and no alert rules (node_exporter does neither; their costs are in the Detector and alerting sections below).`,
    `Collectors on both sides: ${f.collectors.join(', ')}.`,
    '',
    details,
    '',
    'Method:',
    '',
    '- CPU is utime + stime of the whole process (all threads) from `/proc/<pid>/stat`, in clock ticks (`getconf CLK_TCK`), read before and after each block.',
    `- Vigil collects once per tick: CPU per collection = its CPU over ${f.vigilTicks.count} ticks at a ${m.tickIntervalMs} ms interval (its minimum), tick count from \`vigil_ticks_total\`; it is scraped only between blocks, outside the CPU readings.`,
    `- node_exporter collects on every scrape: CPU per collection = its CPU over ${f.ne.count} sequential scrapes.`,
    `- The two CPU runs alternate in ${m.cpuBlocks} blocks each (Vigil, node_exporter, Vigil, …) so that both meet the same background load; while node_exporter is measured Vigil is paused (SIGSTOP), while Vigil is measured node_exporter is idle. The block spread shows the run's noise.`,
    `- Vigil's scrape CPU: its CPU over ${f.vigilScrapes.count} sequential scrapes at its default 10 s interval, less the CPU of any tick inside them at the rate measured above.`,
    `- Latency: ${f.vigilLatency.count} scrapes of each over one keep-alive connection per program, interleaved (one of each per round, order swapped every round), time from request to last body byte, no compression; Vigil at its default 10 s interval.`,
    `- Warm-up before measuring: ${m.warmupScrapes} scrapes of each, and ${m.warmupTicks} ticks for the tick run. The bench client shares the machine.`,
    "- Memory from `/proc/<pid>/status` after the runs. Vigil's is the larger of its two processes; node_exporter's is from the one with Vigil's collectors. RssAnon is the private part of VmRSS; the rest is file pages, mostly of the program binary, shared with the page cache.",
  ].join('\n');
}
