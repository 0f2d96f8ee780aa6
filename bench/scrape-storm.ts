// A scrape storm against Vigil as deployed (package.json "start", default config, 10 s interval):
// steady RSS with one Prometheus-like scraper, then 200 keep-alive scrapers for 30 s (paced at 1/s
// each, then back to back with and without gzip), each followed by RSS polled until it is back within
// 10 % of steady (at most 2 min). RSS is read from /proc/<pid>/status (VmRSS every 100 ms, and VmHWM);
// overruns, tick durations and 503s from the agent's own metrics. The scrapers run in one Node child
// process on the same machine: they compete with the agent for its cores, so latencies include the
// client's own queueing.
// Run alone: `node bench/scrape-storm.ts [1|2|3]` prints the section, or only that storm (building
// dist/ first when needed).
// The client: `node bench/scrape-storm.ts client <url> <scrapers> <ms> <gzip|plain> <everyMs>` prints one JSON line.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mb, ms, num, ratio, table, verdict } from './markdown.ts';
import { cpuSeconds, memory } from './procstat.ts';
import { type Service, startService } from './processes.ts';
import { percentile, sampleValue, Scraper } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';
import { buildIfNeeded, vigilCommand, vigilService } from './vigil-command.ts';

const PLAN = {
  /** Ticks (10 s) before steady RSS is read, with one scrape per tick as Prometheus would. */
  warmupMs: 60_000,
  /** Steady RSS: the median of VmRSS over this last part of the warm-up. */
  steadyWindowMs: 20_000,
  scrapers: 200,
  stormMs: 30_000,
  recoveryMaxMs: 120_000,
  /** "Back" means VmRSS within this share of steady. */
  recoveredWithin: 0.1,
  rssSampleMs: 100,
  readyTimeoutMs: 60_000,
} as const;

interface Storm {
  readonly title: string;
  readonly gzip: boolean;
  /** 0: back to back. */
  readonly everyMs: number;
}

/** In this order, on one agent, each after the RSS of the one before came back (or 2 min passed). */
const STORMS: readonly Storm[] = [
  { title: 'each scraper once a second, gzip (200 Prometheus servers at a 1 s interval)', gzip: true, everyMs: 1000 },
  { title: 'back to back, gzip', gzip: true, everyMs: 0 },
  { title: 'back to back, no compression', gzip: false, everyMs: 0 },
];

const GOALS = { peakRatio: 1.3, p99Ms: 50, overruns: 0 } as const;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SELF = fileURLToPath(import.meta.url);

interface ClientResult {
  readonly requests: number;
  readonly ok: number;
  readonly unavailable: number;
  readonly failed: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly bytes: number;
}

/**
 * One keep-alive HTTP/1.1 connection that sends a fixed GET and reads the answer by its Content-Length
 * (the agent always sends one). Far cheaper than http.request, so that the client, which shares the
 * machine, takes less of the CPU the agent is measured on. A lost connection is opened again.
 */
class Connection {
  private socket: Socket | undefined;
  private readonly port: number;
  private readonly host: string;
  private readonly request: Buffer;
  private headText = '';
  private left = -1;
  private status = 0;
  private done: ((status: number) => void) | undefined;
  /** Bytes of answers, heads included. */
  received = 0;

  constructor(port: number, host: string, request: Buffer) {
    this.port = port;
    this.host = host;
    this.request = request;
  }

  /** One request; resolves with the status (0 when the connection was lost). */
  get(): Promise<number> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.headText = '';
      this.left = -1;
      this.open().write(this.request);
    });
  }

  private open(): Socket {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    const socket = connect(this.port, this.host);
    socket.setNoDelay(true);
    // An agent that stops answering fails the request rather than the bench.
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.finish(0);
    });
    this.socket = socket;
    return socket;
  }

  private read(chunk: Buffer): void {
    this.received += chunk.length;
    let body = chunk.length;
    if (this.left < 0) {
      this.headText += chunk.toString('latin1');
      const end = this.headText.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.status = Number(this.headText.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(this.headText.slice(0, end));
      if (length === null) {
        this.socket?.destroy();
        return;
      }
      body = this.headText.length - end - 4;
      this.left = Number(length[1]);
    }
    this.left -= body;
    if (this.left <= 0) this.finish(this.status);
  }

  private finish(status: number): void {
    const done = this.done;
    this.done = undefined;
    done?.(status);
  }

  close(): void {
    this.socket?.destroy();
  }
}

/**
 * The storm itself: `scrapers` keep-alive connections for `durationMs`, each scraping back to back
 * (`everyMs` 0) or starting a scrape every `everyMs` (spread over the first period), as a Prometheus would.
 */
async function client(url: string, scrapers: number, durationMs: number, gzip: boolean, everyMs: number): Promise<ClientResult> {
  const stopAt = performance.now() + durationMs;
  let durations = new Float64Array(1 << 16);
  let requests = 0;
  let ok = 0;
  let unavailable = 0;
  let failed = 0;
  let bytes = 0;
  const u = new URL(url);
  const head = Buffer.from(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUser-Agent: vigil-bench\r\n${gzip ? 'Accept-Encoding: gzip\r\n' : ''}\r\n`);
  const record = (ms: number, status: number) => {
    if (requests === durations.length) {
      const grown = new Float64Array(durations.length * 2);
      grown.set(durations);
      durations = grown;
    }
    durations[requests++] = ms;
    if (status === 200) ok++;
    else if (status === 503) unavailable++;
    else failed++;
  };
  await Promise.all(
    Array.from({ length: scrapers }, async (_, i) => {
      const conn = new Connection(Number(u.port), u.hostname, head);
      let next = performance.now() + (everyMs * i) / scrapers;
      while (performance.now() < stopAt) {
        if (everyMs > 0) {
          await sleep(Math.max(0, next - performance.now()));
          next += everyMs;
        }
        const t0 = performance.now();
        const status = await conn.get();
        record(performance.now() - t0, status);
      }
      bytes += conn.received;
      conn.close();
    }),
  );
  const done = durations.subarray(0, requests).sort();
  const at = (p: number) => (requests === 0 ? Number.NaN : done[Math.max(1, Math.ceil((p / 100) * requests)) - 1]!);
  return { requests, ok, unavailable, failed, p50: at(50), p99: at(99), max: at(100), bytes };
}

function runClient(url: string, storm: Storm): Promise<{ result: ClientResult; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const args = [SELF, 'client', url, String(PLAN.scrapers), String(PLAN.stormMs), storm.gzip ? 'gzip' : 'plain', String(storm.everyMs)];
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    let cpu = 0;
    const timer = setInterval(() => {
      try {
        cpu = cpuSeconds(child.pid!);
      } catch {
        // exited
      }
    }, 1000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`storm client exited with ${code}: ${out.slice(-500)}`));
      else resolve({ result: JSON.parse(out) as ClientResult, cpuSeconds: cpu });
    });
  });
}

const median = (xs: readonly number[]): number => percentile(xs, 50);
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Counters {
  readonly ticks: number;
  readonly overruns: number;
  readonly limited: number;
  readonly dropped: number;
  readonly builds: number;
  readonly tickSum: number;
  readonly tickCount: number;
}

/** The agent's own counters, read with one scrape (they are updated at each tick). */
async function counters(scraper: Scraper): Promise<Counters> {
  const { body } = await scraper.get();
  const v = (name: string) => sampleValue(body, name) ?? Number.NaN;
  return {
    ticks: v('vigil_ticks_total'),
    overruns: v('vigil_tick_overruns_total'),
    limited: v('vigil_http_requests_limited_total'),
    dropped: v('vigil_http_connections_dropped_total'),
    builds: v('vigil_scrape_cache_builds_total'),
    tickSum: v('vigil_tick_duration_seconds_sum'),
    tickCount: v('vigil_tick_duration_seconds_count'),
  };
}

/** The counters of the agent's next tick (they move only then). */
async function nextTick(scraper: Scraper): Promise<Counters> {
  const now = (await counters(scraper)).ticks;
  for (;;) {
    await sleep(500);
    const c = await counters(scraper);
    if (c.ticks > now) return c;
  }
}

const tickMeanMs = (a: Counters, b: Counters): number => ((b.tickSum - a.tickSum) / (b.tickCount - a.tickCount)) * 1000;

/** Samples VmRSS every `everyMs` while `until` is pending. */
async function sampleRss(pid: number, everyMs: number, until: Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  let done = false;
  void until.finally(() => (done = true));
  while (!done) {
    samples.push(memory(pid).rssBytes);
    await sleep(everyMs);
  }
  return samples;
}

interface StormFigures {
  readonly storm: Storm;
  readonly peak: number;
  readonly hwmBefore: number;
  readonly hwmAfter: number;
  readonly recoveredMs: number | undefined;
  readonly rssAfter: number;
  readonly client: ClientResult;
  readonly clientCpu: number;
  readonly agentCpu: number;
  readonly before: Counters;
  readonly after: Counters;
  readonly load: string;
}

/** Warm-up with one scrape per 10 s, as Prometheus; steady = the median VmRSS over the window's end. */
async function steadyRss(pid: number, scraper: Scraper): Promise<{ steady: number; tickMeanMs: number }> {
  const start = performance.now();
  const first = await counters(scraper);
  const samples: number[] = [];
  let nextScrape = 0;
  while (performance.now() - start < PLAN.warmupMs) {
    if (performance.now() >= nextScrape) {
      await scraper.get();
      nextScrape = performance.now() + 10_000;
    }
    if (performance.now() - start >= PLAN.warmupMs - PLAN.steadyWindowMs) samples.push(memory(pid).rssBytes);
    await sleep(500);
  }
  return { steady: median(samples), tickMeanMs: tickMeanMs(first, await counters(scraper)) };
}

async function runStorm(service: Service, scraper: Scraper, storm: Storm, steady: number, log: (m: string) => void): Promise<StormFigures> {
  const pid = service.pid;
  // As of the tick before the storm.
  const before = await counters(scraper);
  const hwmBefore = memory(pid).peakRssBytes;
  const cpuBefore = cpuSeconds(pid);
  const load = loadavg();
  log(`scrape storm: ${PLAN.scrapers} scrapers for ${PLAN.stormMs / 1000} s, ${storm.title}`);
  const running = runClient(service.metricsUrl, storm);
  const stormSamples = await sampleRss(pid, PLAN.rssSampleMs, running);
  const { result, cpuSeconds: clientCpu } = await running;
  const agentCpu = cpuSeconds(pid) - cpuBefore;
  const hwmAfter = memory(pid).peakRssBytes;
  // Recovery: poll until within 10 % of steady, at most 2 min; the peak includes this phase.
  const recoverStart = performance.now();
  let recoveredMs: number | undefined;
  let rssAfter: number;
  const recoverySamples: number[] = [];
  for (;;) {
    rssAfter = memory(pid).rssBytes;
    recoverySamples.push(rssAfter);
    if (rssAfter <= steady * (1 + PLAN.recoveredWithin)) {
      recoveredMs = performance.now() - recoverStart;
      break;
    }
    if (performance.now() - recoverStart >= PLAN.recoveryMaxMs) break;
    await sleep(1000);
  }
  log(`scrape storm: RSS ${mb(rssAfter)} ${recoveredMs !== undefined ? `back after ${num(recoveredMs / 1000)} s` : 'not back'}`);
  // Overruns during the storm are counted at the tick after it.
  const after = await nextTick(scraper);
  const peak = Math.max(...stormSamples, ...recoverySamples, hwmAfter > hwmBefore ? hwmAfter : 0);
  return { storm, peak, hwmBefore, hwmAfter, recoveredMs, rssAfter, client: result, clientCpu, agentCpu, before, after, load };
}

async function measure(ctx: BenchContext, storms: readonly Storm[]): Promise<{ steady: number; tickMeanMs: number; figures: StormFigures[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-storm-'));
  const spec = await vigilService(ctx.vigil, { readyTimeoutMs: PLAN.readyTimeoutMs });
  const service = await startService({ ...spec, args: [...spec.args, '--state-dir', path.join(dir, 'state')] });
  const scraper = new Scraper(service.metricsUrl);
  try {
    ctx.log(`scrape storm: warm-up ${PLAN.warmupMs / 1000} s`);
    const { steady, tickMeanMs } = await steadyRss(service.pid, scraper);
    ctx.log(`scrape storm: steady RSS ${mb(steady)}`);
    const figures: StormFigures[] = [];
    for (const storm of storms) figures.push(await runStorm(service, scraper, storm, steady, ctx.log));
    return { steady, tickMeanMs, figures };
  } finally {
    scraper.close();
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function rows(f: StormFigures, steady: number): string[][] {
  const c = f.client;
  const overruns = f.after.overruns - f.before.overruns;
  return [
    [`**${f.storm.title}**`, '', ''],
    [
      'peak RSS (VmRSS every 100 ms; VmHWM before / after)',
      `${mb(f.peak)} (VmHWM ${mb(f.hwmBefore)} / ${mb(f.hwmAfter)})`,
      `≤ ${GOALS.peakRatio}× steady: ${verdict(f.peak / steady <= GOALS.peakRatio)} (${ratio(f.peak, steady)})`,
    ],
    [
      `RSS after the storm (polled each second, at most ${PLAN.recoveryMaxMs / 1000} s)`,
      mb(f.rssAfter),
      `within ${PLAN.recoveredWithin * 100} % of steady: ${f.recoveredMs === undefined ? '**no**' : f.recoveredMs < 1000 ? 'yes, at once' : `yes, after ${num(f.recoveredMs / 1000)} s`}`,
    ],
    [
      `scrape latency (${c.requests} scrapes, ${num(c.requests / (PLAN.stormMs / 1000))}/s, ${mb(c.bytes)} received)`,
      `p50 ${ms(c.p50)}, p99 ${ms(c.p99)}, max ${ms(c.max)}`,
      `p99 ≤ ${GOALS.p99Ms} ms: ${verdict(c.p99 <= GOALS.p99Ms)}`,
    ],
    [
      'answers',
      `${c.ok} × 200, ${c.unavailable} × 503 (the agent counted ${f.after.limited - f.before.limited}), ${c.failed} failed; ${f.after.dropped - f.before.dropped} connections dropped`,
      '',
    ],
    [
      'ticks (agent metrics, storm and recovery)',
      `${f.after.ticks - f.before.ticks} ticks, ${overruns} overrun/skipped, mean ${ms(tickMeanMs(f.before, f.after))}`,
      `no overruns: ${verdict(overruns <= GOALS.overruns)}`,
    ],
    ['/metrics text builds (storm and recovery)', String(f.after.builds - f.before.builds), ''],
    [
      'CPU during the storm',
      `agent ${num(f.agentCpu)} s, storm client ${num(f.clientCpu)} s (of ${PLAN.stormMs / 1000} s × 2 cores)`,
      `load average at its start: ${f.load}`,
    ],
  ];
}

async function stormSection(ctx: BenchContext, storms: readonly Storm[]): Promise<string> {
  const { steady, tickMeanMs: tickMean, figures } = await measure(ctx, storms);
  return [
    `Vigil started as \`npm start\` does (\`${ctx.vigil.script}\`), default config (detector on, default rules), 10 s interval. ` +
      `After a ${PLAN.warmupMs / 1000} s warm-up with one scrape per tick, ${PLAN.scrapers} keep-alive scrapers (one connection each) scrape for ` +
      `${PLAN.stormMs / 1000} s, three times on the same agent, each storm after the RSS of the one before came back. The scrapers run in one Node ` +
      'child process on the same machine: back to back, they compete with the agent for the cores and the latency they see is mostly queueing ' +
      `(${PLAN.scrapers} requests always outstanding: mean latency = ${PLAN.scrapers} / throughput).`,
    '',
    table(
      ['', 'figure', 'goal'],
      [
        [`steady RSS (median of the last ${PLAN.steadyWindowMs / 1000} s of the warm-up)`, mb(steady), `mean tick ${ms(tickMean)}`],
        ...figures.flatMap((f) => rows(f, steady)),
      ],
    ),
  ].join('\n');
}

export const scrapeStormSection: BenchSection = {
  title: 'Scrape storm',
  run: (ctx) => stormSection(ctx, STORMS),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === 'client') {
    const [url, scrapers, durationMs, encoding, everyMs] = process.argv.slice(3);
    process.stdout.write(`${JSON.stringify(await client(url!, Number(scrapers), Number(durationMs), encoding === 'gzip', Number(everyMs)))}\n`);
  } else {
    // `node bench/scrape-storm.ts [1|2|3]`: all storms, or only that one.
    const log = (m: string) => process.stderr.write(`${m}\n`);
    const vigil = vigilCommand(ROOT);
    buildIfNeeded(ROOT, vigil, log);
    const only = Number(process.argv[2]);
    process.stdout.write(`${await stormSection({ log, root: ROOT, vigil }, only >= 1 && only <= STORMS.length ? [STORMS[only - 1]!] : STORMS)}\n`);
  }
}
