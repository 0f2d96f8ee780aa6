// The retraining worker's memory: Vigil (default config, detector on) ticks at 100 ms until every
// monitored series holds the full retraining history (2048 points), then one retraining run is
// scheduled at the next whole minute. The worker is a thread of the agent's process, so its cost is
// the process's: VmHWM is reset (/proc/<pid>/clear_refs "5") just before the run, and the peak
// during the run is read against the steady RSS before it. This is the figure the DaemonSet's
// memory limit has to hold on top of the steady state.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mb, num, table } from './markdown.ts';
import { cpuSeconds, memory } from './procstat.ts';
import { startService } from './processes.ts';
import type { BenchContext, BenchSection } from './section.ts';
import { sampleValue } from './scrape.ts';
import { vigilService } from './vigil-command.ts';

const PLAN = {
  intervalMs: 100,
  /** detectors/detector-stage.ts HISTORY_POINTS: what a run learns from once the node has been up ~6 h at 10 s. */
  historyPoints: 2048,
  /** Steady RSS is the mean over this long before the run. */
  steadyMs: 20_000,
  /** A run that takes longer ends the measurement (it is reported, not waited for). */
  runBudgetMs: 15 * 60_000,
  readyTimeoutMs: 60_000,
  pollMs: 100,
  settleMs: 30_000,
} as const;

/** Sum of vigil_detector_retrain_runs_total over its outcomes, and the outcomes that have a run. */
function runs(body: string): { total: number; outcomes: string[] } {
  let total = 0;
  const outcomes: string[] = [];
  for (const m of body.matchAll(/^vigil_detector_retrain_runs_total\{outcome="([^"]+)"\} (\S+)/gm)) {
    const n = Number(m[2]);
    total += n;
    if (n > 0) outcomes.push(m[1]!);
  }
  return { total, outcomes };
}

/** The first whole minute at least `ms` from now, as a daily cron expression (node-cron reads local time). */
function minuteAfter(ms: number): { at: number; cron: string } {
  const d = new Date(Date.now() + ms);
  d.setSeconds(0, 0);
  d.setMinutes(d.getMinutes() + 1);
  return { at: d.getTime(), cron: `${d.getMinutes()} ${d.getHours()} * * *` };
}

async function measure(ctx: BenchContext, dir: string): Promise<string> {
  const fillMs = PLAN.historyPoints * PLAN.intervalMs;
  // Start-up takes a few seconds; the schedule leaves the history time to fill after it.
  const run = minuteAfter(fillMs + PLAN.readyTimeoutMs / 4);
  const config = path.join(dir, 'vigil.yml');
  writeFileSync(config, `detector:\n  retrain:\n    schedule: "${run.cron}"\n`);
  const spec = await vigilService(ctx.vigil, { interval: `${PLAN.intervalMs}ms`, readyTimeoutMs: PLAN.readyTimeoutMs });
  const vigil = await startService({ ...spec, args: [...spec.args, '-c', config, '--state-dir', path.join(dir, 'state')] });
  try {
    const scrape = async (): Promise<string> => (await fetch(vigil.metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
    ctx.log(`retraining: vigil at ${PLAN.intervalMs} ms fills ${PLAN.historyPoints} points of history; one run scheduled at ${new Date(run.at).toISOString()}`);
    const steadyFrom = run.at - 3000 - PLAN.steadyMs;
    await sleep(Math.max(0, steadyFrom - Date.now()));
    const steady: number[] = [];
    const steadyAnon: number[] = [];
    while (Date.now() < run.at - 3000) {
      const m = memory(vigil.pid);
      steady.push(m.rssBytes);
      steadyAnon.push(m.anonBytes);
      await sleep(PLAN.pollMs);
    }
    const before = await scrape();
    const ticks0 = sampleValue(before, 'vigil_ticks_total') ?? Number.NaN;
    const overruns0 = sampleValue(before, 'vigil_tick_overruns_total') ?? Number.NaN;
    const runs0 = runs(before).total;
    // Peak RSS from here on: the kernel's own high-water mark, not a sampled one.
    writeFileSync(`/proc/${vigil.pid}/clear_refs`, '5');
    const cpu0 = cpuSeconds(vigil.pid);
    const threads0 = threads(vigil.pid);
    await sleep(Math.max(0, run.at - Date.now()));
    const started = performance.now();
    let after = before;
    let threadsPeak = 0;
    while (runs(after).total === runs0 && performance.now() - started < PLAN.runBudgetMs) {
      await sleep(1000);
      after = await scrape();
      threadsPeak = Math.max(threadsPeak, threads(vigil.pid));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(vigil.pid) - cpu0;
    const peak = memory(vigil.pid);
    const done = runs(after).total > runs0;
    const ticks = (sampleValue(after, 'vigil_ticks_total') ?? Number.NaN) - ticks0;
    const overruns = (sampleValue(after, 'vigil_tick_overruns_total') ?? Number.NaN) - overruns0;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const steadyRss = mean(steady);
    // The memory the run leaves behind: RSS a while after it (V8 and the allocator give back slowly).
    await sleep(PLAN.settleMs);
    const settled = memory(vigil.pid);
    const series = [...after.matchAll(/^vigil_detector_series\{[^}]*\} (\S+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    return [
      `Vigil with the default config and the detector's full retraining history (${PLAN.historyPoints} points per monitored series,`,
      `filled at a ${PLAN.intervalMs} ms interval), one run of the retraining worker (a worker_thread, so its memory is the process's)`,
      'with the default fine-tuning budget. VmHWM was reset just before the run; steady RSS is the mean over the',
      `${PLAN.steadyMs / 1000} s before it. ${done ? `Outcome: ${runs(after).outcomes.join(', ')}.` : `**The run did not finish within ${PLAN.runBudgetMs / 60_000} min**; the figures are up to then.`}`,
      '',
      table(
        ['', 'figure'],
        [
          ['Series the detector held (vigil_detector_series)', num(series)],
          ['Steady RSS before the run (VmRSS, RssAnon)', `${mb(steadyRss)}, ${mb(mean(steadyAnon))}`],
          ['Peak RSS during the run (VmHWM)', mb(peak.peakRssBytes)],
          ['**Retraining peak above steady**', `**${mb(peak.peakRssBytes - steadyRss)}**`],
          ['RSS when the run ended, and 30 s later', `${mb(peak.rssBytes)}, ${mb(settled.rssBytes)}`],
          ['Run time (±1 s)', `${num(seconds)} s`],
          ['CPU of the process during the run (worker at low priority, plus the ticks)', `${num(cpu)} s (${num((cpu / seconds) * 100)} % of a core)`],
          ['Threads before the run, at most during it', `${threads0}, ${threadsPeak}`],
          ['Ticks during the run / overruns', `${ticks} / ${overruns}`],
        ],
      ),
    ].join('\n');
  } finally {
    await vigil.stop();
  }
}

/** Threads of a process now (the worker adds one while it runs); 0 once it is gone. */
function threads(pid: number): number {
  try {
    return Number(/^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export const retrainSection: BenchSection = {
  title: 'Retraining worker: peak memory',
  async run(ctx) {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-retrain-'));
    try {
      return await measure(ctx, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
