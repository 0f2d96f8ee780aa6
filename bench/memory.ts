// Memory of the agent at steady state, as it is deployed: started through the `vigil` bin (the
// build's dist/agent/main.js, which re-executes itself with its runtime flags), at the default 10 s
// interval, for 10 minutes. Two agents side by side in the same window — the default config
// (detector on, default rules) and the same with the detector off — and node_exporter with its
// default collectors for the ratio. All three are scraped every 10 s, as Prometheus would.
//
// The breakdown: VmRSS, RssAnon and RssFile from /proc/<pid>/status; the file pages split by mapping
// (/proc/<pid>/smaps): the node binary, onnxruntime (libonnxruntime.so and its binding), the rest;
// the V8 heap and the memory outside it from the agent's own `memory usage` debug log line
// (process.memoryUsage(), once per tick). VIGIL_BENCH_MEMORY_SECONDS shortens the window for quick
// runs; the table says which duration was used.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NODE_EXPORTER } from './host-metrics.ts';
import { mb, num, ratio, table, verdict } from './markdown.ts';
import { freePort, startService } from './processes.ts';
import { memory } from './procstat.ts';
import { Scraper } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';

const DEFAULT_SECONDS = 600;
const SAMPLE_EVERY_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;
/** Goals of issue 15, in MB of 10^6 bytes as every figure of BENCHMARKS.md. */
const GOAL_DEFAULT_MB = 110;
const STRETCH_DEFAULT_MB = 100;
const GOAL_DETECTOR_OFF_MB = 90;

/** The window: VIGIL_BENCH_MEMORY_SECONDS (a positive number) or 10 minutes. */
function windowSeconds(): number {
  const raw = process.env.VIGIL_BENCH_MEMORY_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_SECONDS;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) throw new Error(`VIGIL_BENCH_MEMORY_SECONDS must be a positive number of seconds, not "${raw}"`);
  return s;
}

/** Resident file pages by what they map: the program binary, onnxruntime's libraries, the rest. */
interface FilePages {
  readonly binary: number;
  readonly onnxruntime: number;
  readonly other: number;
}

function filePages(pid: number): FilePages {
  const exe = readlinkSync(`/proc/${pid}/exe`);
  const out = { binary: 0, onnxruntime: 0, other: 0 };
  let mapped: string | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    // A mapping's header: "start-end perms offset dev inode [path]"; its fields follow ("Rss: 12 kB").
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (header !== null) {
      mapped = header[1] !== '0' ? header[2] : undefined;
      continue;
    }
    if (mapped === undefined || !line.startsWith('Rss:')) continue;
    const bytes = Number(/(\d+) kB/.exec(line)![1]) * 1024;
    if (mapped === exe) out.binary += bytes;
    else if (mapped.includes('onnxruntime')) out.onnxruntime += bytes;
    else out.other += bytes;
  }
  return out;
}

/** process.memoryUsage() as the agent logged it last. */
interface HeapFigures {
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly arrayBuffers: number;
}

/** One agent under measurement: its process, its last logged heap figures, its scraper. */
interface RunningAgent {
  readonly label: string;
  readonly child: ChildProcess;
  readonly scraper: Scraper;
  heap: HeapFigures | undefined;
  lastRss: number[];
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A config file that turns the detector off and keeps everything else at its default. */
function detectorOffConfig(dir: string): string {
  const file = path.join(dir, 'vigil.yml');
  writeFileSync(file, 'detector:\n  enabled: false\n');
  return file;
}

/** Starts `node dist/agent/main.js run` (what the `vigil` bin runs) and waits for /readyz. */
async function startAgent(ctx: BenchContext, label: string, config: string | undefined): Promise<RunningAgent> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-memory-'));
  const port = await freePort();
  // The caller's VIGIL_* variables (a config file, say) would change what is measured.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VIGIL_')));
  const args = [
    ctx.vigil.main,
    'run',
    ...['--listen', `127.0.0.1:${port}`, '--interval', '10s', '--log-level', 'debug', '--state-dir', path.join(dir, 'state')],
    ...(config !== undefined ? ['-c', config] : []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  children.add(child);
  const agent: RunningAgent = { label, child, scraper: new Scraper(`http://127.0.0.1:${port}/metrics`), heap: undefined, lastRss: [] };
  let partial = '';
  let tail = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line.includes('"memory usage"')) {
        tail = (tail + line + '\n').slice(-4096);
        continue;
      }
      const m = JSON.parse(line) as HeapFigures;
      agent.heap = { heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (tail = (tail + chunk).slice(-4096)));
  const deadline = performance.now() + READY_TIMEOUT_MS;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return agent;
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`vigil (${label}) did not become ready; its output:\n${tail}`);
    }
    await sleep(200);
  }
}

async function stopAgent(agent: RunningAgent): Promise<void> {
  agent.scraper.close();
  if (agent.child.exitCode !== null || agent.child.signalCode !== null) return;
  const exited = new Promise((resolve) => agent.child.once('exit', resolve));
  agent.child.kill('SIGTERM');
  const timer = setTimeout(() => agent.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  children.delete(agent.child);
}

/** The breakdown of one process at the end of the window. */
interface Figures {
  readonly rss: number;
  readonly peak: number;
  readonly anon: number;
  readonly file: number;
  readonly pages: FilePages;
  readonly heap: HeapFigures | undefined;
}

function figures(pid: number, heap: HeapFigures | undefined): Figures {
  const m = memory(pid);
  return { rss: m.rssBytes, peak: m.peakRssBytes, anon: m.anonBytes, file: m.rssBytes - m.anonBytes, pages: filePages(pid), heap };
}

async function run(ctx: BenchContext): Promise<string> {
  const seconds = windowSeconds();
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-memory-config-'));
  const agents = [await startAgent(ctx, 'default config', undefined), await startAgent(ctx, 'detector off', detectorOffConfig(dir))];
  const exporterPort = await freePort();
  const exporter = await startService({
    name: 'node_exporter',
    command: NODE_EXPORTER,
    args: [`--web.listen-address=127.0.0.1:${exporterPort}`, '--log.level=warn'],
    port: exporterPort,
    readyPath: '/metrics',
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  const exporterScraper = new Scraper(exporter.metricsUrl);
  try {
    ctx.log(`memory: default config, detector off and node_exporter side by side for ${seconds} s at a 10 s interval`);
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, end - performance.now())));
      // Scraped as Prometheus would; a failed scrape is a failed run.
      await Promise.all([...agents.map((a) => a.scraper.get()), exporterScraper.get()]);
      for (const a of agents) a.lastRss.push(memory(a.child.pid!).rssBytes);
    }
    const [dflt, off] = agents.map((a) => figures(a.child.pid!, a.heap)) as [Figures, Figures];
    const ne = figures(exporter.pid, undefined);
    return report(ctx, seconds, dflt, off, ne, agents);
  } finally {
    exporterScraper.close();
    await exporter.stop();
    for (const a of agents) await stopAgent(a);
  }
}

function report(ctx: BenchContext, seconds: number, dflt: Figures, off: Figures, ne: Figures, agents: readonly RunningAgent[]): string {
  const heapCell = (f: Figures, pick: (h: HeapFigures) => number): string => (f.heap !== undefined ? mb(pick(f.heap)) : 'n/a');
  const duration = seconds >= 120 ? `${num(seconds / 60)} min` : `${num(seconds)} s`;
  const rows: string[][] = [
    ['VmRSS', mb(dflt.rss), mb(off.rss), mb(ne.rss)],
    ['peak (VmHWM)', mb(dflt.peak), mb(off.peak), mb(ne.peak)],
    ['RssFile', mb(dflt.file), mb(off.file), mb(ne.file)],
    ['… of the program binary (node / node_exporter)', mb(dflt.pages.binary), mb(off.pages.binary), mb(ne.pages.binary)],
    ['… of onnxruntime (libonnxruntime.so, binding)', mb(dflt.pages.onnxruntime), mb(off.pages.onnxruntime), '—'],
    ['… of other files', mb(dflt.pages.other), mb(off.pages.other), mb(ne.pages.other)],
    ['RssAnon', mb(dflt.anon), mb(off.anon), mb(ne.anon)],
    ['V8 heap used', heapCell(dflt, (h) => h.heapUsed), heapCell(off, (h) => h.heapUsed), '—'],
    ['V8 heap total', heapCell(dflt, (h) => h.heapTotal), heapCell(off, (h) => h.heapTotal), '—'],
    [
      'external (of which array buffers)',
      `${heapCell(dflt, (h) => h.external)} (${heapCell(dflt, (h) => h.arrayBuffers)})`,
      `${heapCell(off, (h) => h.external)} (${heapCell(off, (h) => h.arrayBuffers)})`,
      '—',
    ],
    ['VmRSS / node_exporter', ratio(dflt.rss, ne.rss), ratio(off.rss, ne.rss), '1×'],
  ];
  const spread = (a: RunningAgent): string => {
    const late = a.lastRss.slice(Math.floor(a.lastRss.length / 2));
    return late.length > 0 ? `${mb(Math.min(...late))}–${mb(Math.max(...late))}` : 'n/a';
  };
  const goals = table(
    ['agent', 'VmRSS', 'goal', 'met', 'stretch', 'met'],
    [
      [
        'default config',
        mb(dflt.rss),
        `≤ ${GOAL_DEFAULT_MB} MB`,
        verdict(dflt.rss <= GOAL_DEFAULT_MB * 1e6),
        `≤ ${STRETCH_DEFAULT_MB} MB`,
        verdict(dflt.rss <= STRETCH_DEFAULT_MB * 1e6),
      ],
      ['detector off', mb(off.rss), `≤ ${GOAL_DETECTOR_OFF_MB} MB`, verdict(off.rss <= GOAL_DETECTOR_OFF_MB * 1e6), '', ''],
    ],
  );
  return [
    `Steady state after **${duration}** at a 10 s interval (${seconds === DEFAULT_SECONDS ? 'the full window' : `shortened by VIGIL_BENCH_MEMORY_SECONDS=${seconds}; the goal is for 10 min`}), all three side by side in the same window and each scraped every 10 s.`,
    `Vigil started through the \`vigil\` bin: \`node ${path.relative(ctx.root, ctx.vigil.main)} run\` without node flags, so that the bin re-executes itself with its runtime flags (agent/runtime-flags.ts), with \`--listen 127.0.0.1:<free port> --interval 10s --log-level debug\` (for the heap line) and a fresh state directory.`,
    `node_exporter (${NODE_EXPORTER}) with its default collectors. MB are 10^6 bytes.`,
    '',
    table(['figure', 'Vigil, default config (detector on, default rules)', 'Vigil, detector off', 'node_exporter'], rows),
    '',
    goals,
    '',
    `VmRSS over the second half of the window: default ${spread(agents[0]!)}, detector off ${spread(agents[1]!)}.`,
    "RssFile is shared with the page cache (and with every other process running the same binary); RssAnon is private. File pages split by mapping from /proc/<pid>/smaps; V8 figures from the agent's `memory usage` debug line (process.memoryUsage()) of the last tick. The steps that brought these figures down, and those that did not pay, are in docs/footprint.md.",
  ].join('\n');
}

export const memorySection: BenchSection = { title: 'Memory', run };
