// Vigil's host collectors against node_exporter, measured on the same machine in the same run.
//
// The two schedule work differently, so "CPU per collection" is measured the way each one collects:
// node_exporter collects on every scrape, so its cost is its CPU over N scrapes; Vigil collects once
// per tick whatever the scrapes, so its cost is its CPU over N ticks with no scrape inside the
// reading, and its scrape cost (serialising the latest snapshot) is measured separately. The CPU
// runs alternate in blocks (the other program idle or paused) and the latency scrapes interleave, so
// that both programs meet the same background load (a shared machine's load moves by tens of per
// cent within a minute). node_exporter runs with exactly the collectors Vigil ran; with its default
// collectors it is a reference only.
import { setTimeout as sleep } from 'node:timers/promises';
import { type CpuFigure, type Latency, renderHostMetrics } from './host-metrics-report.ts';
import { cpuSeconds, memory } from './procstat.ts';
import { freePort, type Service, type ServiceSpec, startService } from './processes.ts';
import { percentile, sampleValue, Scraper, seriesCount } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';
import { vigilService } from './vigil-command.ts';

export const NODE_EXPORTER = 'prometheus-node-exporter';

const PLAN = {
  warmupScrapes: 50,
  warmupTicks: 20,
  /** Vigil's shortest allowed interval, to keep the tick run short. */
  tickIntervalMs: 100,
  measuredTicks: 500,
  /** node_exporter: CPU per collection = its CPU over this many scrapes. */
  collectionScrapes: 1000,
  /** Both CPU runs are cut into this many blocks, alternating between the two programs. */
  cpuBlocks: 5,
  latencyScrapes: 500,
  /** Per scrape phase: a server gone slow ends the phase early (and the counts show it). */
  scrapeBudgetMs: 60_000,
  readyTimeoutMs: 15_000,
} as const;

interface Block {
  readonly cpu: number;
  readonly count: number;
}

function cpuFigure(blocks: readonly Block[]): CpuFigure {
  const per1000 = blocks.map((b) => (b.cpu / b.count) * 1000);
  const cpu = blocks.reduce((sum, b) => sum + b.cpu, 0);
  const count = blocks.reduce((sum, b) => sum + b.count, 0);
  return { per1000: (cpu / count) * 1000, count, blockMin: Math.min(...per1000), blockMax: Math.max(...per1000) };
}

const latencyOf = (durations: readonly number[]): Latency => ({ p50: percentile(durations, 50), p99: percentile(durations, 99), count: durations.length });

async function nodeExporterSpec(collectors: readonly string[] | 'defaults'): Promise<ServiceSpec> {
  const port = await freePort();
  const select = collectors === 'defaults' ? [] : ['--collector.disable-defaults', ...collectors.map((c) => `--collector.${c}`)];
  return {
    name: 'node_exporter',
    command: NODE_EXPORTER,
    args: [`--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...select],
    port,
    readyPath: '/metrics',
    readyTimeoutMs: PLAN.readyTimeoutMs,
  };
}

/** A started program and a keep-alive scraper of its /metrics. */
interface Target {
  readonly service: Service;
  readonly scraper: Scraper;
}

/** Starts programs and stops every one of them (last first) however the measurement ends. */
class Targets {
  private readonly started: Target[] = [];

  async start(spec: ServiceSpec): Promise<Target> {
    const service = await startService(spec);
    const target = { service, scraper: new Scraper(service.metricsUrl) };
    this.started.push(target);
    return target;
  }

  async stopAll(): Promise<void> {
    for (const t of this.started.splice(0).reverse()) {
      t.scraper.close();
      await t.service.stop();
    }
  }
}

interface VigilState {
  readonly body: string;
  readonly ticks: number;
  readonly overruns: number;
  readonly tickSeconds: number;
}

async function vigilState(vigil: Target): Promise<VigilState> {
  const body = (await vigil.scraper.get()).body;
  return {
    body,
    ticks: sampleValue(body, 'vigil_ticks_total') ?? Number.NaN,
    overruns: sampleValue(body, 'vigil_tick_overruns_total') ?? Number.NaN,
    tickSeconds: sampleValue(body, 'vigil_tick_duration_seconds_sum') ?? Number.NaN,
  };
}

/** The collectors Vigil ran, from its node_scrape_collector_success series. */
const collectorsIn = (body: string): string[] => [...body.matchAll(/^node_scrape_collector_success\{collector="([^"]+)"\}/gm)].map((m) => m[1]!);

/** CPU of a program over up to `count` sequential scrapes, and how many were done. */
async function scrapeBlock(target: Target, count: number): Promise<Block> {
  const cpu0 = cpuSeconds(target.service.pid);
  const done = (await target.scraper.many(count, PLAN.scrapeBudgetMs)).length;
  return { cpu: cpuSeconds(target.service.pid) - cpu0, count: done };
}

/**
 * Latency, interleaved: one scrape of each per round, the order swapped every round, so that both
 * see the same background load at the same moments.
 */
async function interleavedLatency(a: Scraper, b: Scraper, rounds: number): Promise<[number[], number[]]> {
  const stopAt = performance.now() + PLAN.scrapeBudgetMs;
  const da: number[] = [];
  const db: number[] = [];
  for (let i = 0; i < rounds && performance.now() < stopAt; i++) {
    const [first, second, dFirst, dSecond] = i % 2 === 0 ? [a, b, da, db] : [b, a, db, da];
    dFirst.push((await first.get()).ms);
    dSecond.push((await second.get()).ms);
  }
  return [da, db];
}

/**
 * CPU per collection. Vigil ticks at its shortest interval and node_exporter (given the collectors
 * Vigil runs) is scraped, in alternating blocks. Returns the ticking Vigil still running.
 */
async function measureCpu(ctx: BenchContext, targets: Targets) {
  const ticking = await targets.start(
    await vigilService(ctx.vigil, { interval: `${PLAN.tickIntervalMs}ms`, readyTimeoutMs: PLAN.readyTimeoutMs, collectOnly: true }),
  );
  ctx.log(`vigil (interval ${PLAN.tickIntervalMs} ms): warming up for ${PLAN.warmupTicks} ticks`);
  let state = await vigilState(ticking);
  for (let i = 0; i < PLAN.warmupTicks * 3 && state.ticks < PLAN.warmupTicks; i++) {
    await sleep(PLAN.tickIntervalMs);
    state = await vigilState(ticking);
  }
  const collectors = collectorsIn(state.body);
  if (collectors.length === 0) throw new Error('vigil reported no collectors (no node_scrape_collector_success series)');
  const ne = await targets.start(await nodeExporterSpec(collectors));
  await ne.scraper.many(PLAN.warmupScrapes, PLAN.scrapeBudgetMs);

  ctx.log(
    `CPU per collection: ${PLAN.cpuBlocks} blocks each of ${PLAN.measuredTicks / PLAN.cpuBlocks} Vigil ticks and ${PLAN.collectionScrapes / PLAN.cpuBlocks} node_exporter scrapes, alternating`,
  );
  const vigilBlocks: Block[] = [];
  const neBlocks: Block[] = [];
  let overruns = 0;
  let tickSeconds = 0;
  for (let b = 0; b < PLAN.cpuBlocks; b++) {
    // One interval first, for the tick that was due while Vigil was paused. Then scrape, then read
    // CPU; at the end read CPU, then scrape: no scrape is inside the reading. A tick that lands
    // between a reading and its scrape miscounts by one in ~100.
    await sleep(PLAN.tickIntervalMs);
    const before = await vigilState(ticking);
    const cpu0 = cpuSeconds(ticking.service.pid);
    await sleep((PLAN.measuredTicks / PLAN.cpuBlocks) * PLAN.tickIntervalMs);
    const cpu = cpuSeconds(ticking.service.pid) - cpu0;
    const after = await vigilState(ticking);
    if (!(after.ticks > before.ticks)) throw new Error('vigil did no ticks in a block');
    vigilBlocks.push({ cpu, count: after.ticks - before.ticks });
    overruns += after.overruns - before.overruns;
    tickSeconds += after.tickSeconds - before.tickSeconds;
    // node_exporter's block, with Vigil stopped (SIGSTOP) so that its ticks do not compete for the
    // CPUs; node_exporter is idle during Vigil's blocks (it collects only when scraped).
    ticking.service.pause();
    try {
      neBlocks.push(await scrapeBlock(ne, PLAN.collectionScrapes / PLAN.cpuBlocks));
    } finally {
      ticking.service.resume();
    }
    ctx.log(`  block ${b + 1}/${PLAN.cpuBlocks} done`);
  }
  const vigilCpu = cpuFigure(vigilBlocks);
  return {
    collectors,
    ticking,
    ne,
    vigilTicks: { ...vigilCpu, overruns, meanTickMs: (tickSeconds / vigilCpu.count) * 1000, memory: memory(ticking.service.pid) },
    neCpu: cpuFigure(neBlocks),
  };
}

/**
 * Vigil at its default 10 s interval (ticks rarely meet scrapes): its scrape CPU, less any tick
 * inside the run at the rate measured before; then latency interleaved with node_exporter's.
 */
async function measureScrapes(ctx: BenchContext, targets: Targets, ne: Target, cpuPerTick: number) {
  const vigil = await targets.start(await vigilService(ctx.vigil, { readyTimeoutMs: PLAN.readyTimeoutMs, collectOnly: true }));
  await vigil.scraper.many(PLAN.warmupScrapes, PLAN.scrapeBudgetMs);
  ctx.log(`vigil (interval 10 s): ${PLAN.latencyScrapes} scrapes for scrape CPU`);
  const ticks0 = (await vigilState(vigil)).ticks;
  const scrapes = await scrapeBlock(vigil, PLAN.latencyScrapes);
  const ticksDuring = (await vigilState(vigil)).ticks - ticks0;

  ctx.log(`latency: ${PLAN.latencyScrapes} scrapes of each, interleaved`);
  const [vigilMs, neMs] = await interleavedLatency(vigil.scraper, ne.scraper, PLAN.latencyScrapes);
  return {
    vigilScrapes: { per1000: ((scrapes.cpu - ticksDuring * cpuPerTick) / scrapes.count) * 1000, count: scrapes.count, rawCpu: scrapes.cpu, ticksDuring },
    vigilLatency: latencyOf(vigilMs),
    vigilMemory: memory(vigil.service.pid),
    vigilSeries: seriesCount((await vigil.scraper.get()).body),
    neLatency: latencyOf(neMs),
    neMemory: memory(ne.service.pid),
    neSeries: seriesCount((await ne.scraper.get()).body),
  };
}

/** node_exporter as installed (its default collectors), alone: a reference, not a goal. */
async function measureReference(ctx: BenchContext, targets: Targets) {
  ctx.log(`node_exporter (default collectors, reference): ${PLAN.latencyScrapes} scrapes`);
  const reference = await targets.start(await nodeExporterSpec('defaults'));
  await reference.scraper.many(PLAN.warmupScrapes, PLAN.scrapeBudgetMs);
  const cpu0 = cpuSeconds(reference.service.pid);
  const durations = await reference.scraper.many(PLAN.latencyScrapes, PLAN.scrapeBudgetMs);
  const cpu = cpuFigure([{ cpu: cpuSeconds(reference.service.pid) - cpu0, count: durations.length }]);
  return { cpu, latency: latencyOf(durations), memory: memory(reference.service.pid), series: seriesCount((await reference.scraper.get()).body) };
}

async function measure(ctx: BenchContext): Promise<string> {
  const targets = new Targets();
  try {
    const cpu = await measureCpu(ctx, targets);
    // One Vigil at a time: the ticking one would disturb the scrape measurements.
    cpu.ticking.scraper.close();
    await cpu.ticking.service.stop();
    const scrapes = await measureScrapes(ctx, targets, cpu.ne, cpu.vigilTicks.per1000 / 1000);
    await targets.stopAll();
    const neDefaults = await measureReference(ctx, targets);
    return renderHostMetrics(
      { collectors: cpu.collectors, vigilTicks: cpu.vigilTicks, ne: cpu.neCpu, ...scrapes, neDefaults },
      {
        vigilScript: ctx.vigil.script,
        tickIntervalMs: PLAN.tickIntervalMs,
        cpuBlocks: PLAN.cpuBlocks,
        warmupScrapes: PLAN.warmupScrapes,
        warmupTicks: PLAN.warmupTicks,
      },
    );
  } finally {
    await targets.stopAll();
  }
}

export const hostMetricsSection: BenchSection = {
  title: 'Host metrics: Vigil and node_exporter',
  run: measure,
};
