// The detector: scoring one tick (every monitored series through the shared Scorer: windows,
// normalisation, ONE batched onnxruntime run, calibration) with 1 and 256 series, in-process;
// `vigil detect` throughput as users run it (the production build, a 200k-row CSV); and the agent's
// RSS with the model loaded against the same agent with the detector off.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeTestModel } from '../detectors/eval/testing/test-model.ts';
import { HIDDEN, WINDOW } from '../detectors/lstm/hyperparameters.ts';
import { loadOnnxPredictor } from '../detectors/lstm/onnx-predictor.ts';
import { defaultModelPath } from '../detectors/scoring/model-path.ts';
import { Scorer } from '../detectors/scoring/scorer.ts';
import { DEFAULT_STAGE_OPTIONS, newStageState, stagePoint, type StageOutput } from '../detectors/scoring/stages.ts';
import { mb, ms, num, table, verdict } from './markdown.ts';
import { startService } from './processes.ts';
import { percentile } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';
import { vigilService } from './vigil-command.ts';

const PLAN = { ticks: { 1: 5000, 256: 1000 }, warmupTicks: 200, detectRows: 200_000, treeFiles: 64, treeRows: 5000, rssSettleMs: 4000 } as const;
const GOALS_P99_MS = { 1: 0.5, 256: 5 } as const;
/** The stages after the model (issue 12) must cost well under this for 256 series. */
const STAGES_GOAL_MS = 0.5;

/** The stages after the model alone (stagePoint for every series of a tick), 256 series. */
function stagesLatency(series = 256, ticks = 20_000): { p50: number; p99: number; max: number } {
  const o = DEFAULT_STAGE_OPTIONS;
  const states = Array.from({ length: series }, () => newStageState(o));
  const out: StageOutput = { raw: 0, score: 0, exported: 0, anomaly: 0, started: 0 };
  let seed = 1;
  const rnd = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const ranks = Float64Array.from({ length: series * 64 }, rnd);
  const d: number[] = [];
  for (let t = 0; t < ticks; t++) {
    const t0 = performance.now();
    for (let i = 0; i < series; i++)
      stagePoint(states[i]!, o, 10 + i + rnd(), ranks[(t * 7 + i) % ranks.length]!, 1 - ranks[(t * 7 + i) % ranks.length]!, 1.7e9 + t * 10, true, out);
    d.push(performance.now() - t0);
  }
  return { p50: percentile(d, 50), p99: percentile(d, 99), max: Math.max(...d) };
}

async function tickLatency(model: string, series: 1 | 256, previous = false): Promise<{ p50: number; p99: number; max: number }> {
  const predictor = await loadOnnxPredictor(model);
  const scorer = previous ? new Scorer(predictor, undefined, null) : new Scorer(predictor);
  const states = Array.from({ length: series }, () => scorer.newState());
  const values = new Float64Array(series);
  const level = Float64Array.from({ length: series }, (_, i) => 1 + i);
  const step = (t: number) => {
    for (let i = 0; i < series; i++) values[i] = level[i]! * (1 + 0.1 * Math.sin(t / 9 + i)) + 0.01 * Math.cos(t * 1.3 + i);
  };
  for (let t = 0; t < PLAN.warmupTicks; t++) {
    step(t);
    await scorer.step(states, values);
  }
  const d: number[] = [];
  for (let t = 0; t < PLAN.ticks[series]; t++) {
    step(PLAN.warmupTicks + t);
    const t0 = performance.now();
    await scorer.step(states, values);
    d.push(performance.now() - t0);
  }
  await predictor.close();
  return { p50: percentile(d, 50), p99: percentile(d, 99), max: Math.max(...d) };
}

function vmRss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

async function agentRss(ctx: BenchContext, dir: string, detector: boolean): Promise<number> {
  const config = path.join(dir, `detector-${detector}.yml`);
  writeFileSync(config, `detector:\n  enabled: ${detector}\n`);
  const spec = await vigilService(ctx.vigil, { interval: '200ms', readyTimeoutMs: 30_000 });
  const svc = await startService({ ...spec, args: [...spec.args, '-c', config, '--state-dir', path.join(dir, `state-${detector}`)] });
  try {
    await sleep(PLAN.rssSettleMs);
    return vmRss(svc.pid);
  } finally {
    await svc.stop();
  }
}

async function measureDetector(ctx: BenchContext): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-detector-'));
  try {
    let model = defaultModelPath();
    let modelNote = `the shipped model (\`${path.relative(ctx.root, model)}\`)`;
    if (!existsSync(model)) {
      // Latency depends on the shape, not the weights: a model of the shipped shape stands in.
      model = path.join(dir, 'same-shape.onnx');
      writeTestModel(model, WINDOW, HIDDEN);
      modelNote = `**a model of the shipped shape (W=${WINDOW}, H=${HIDDEN}) with random weights: the shipped model file was not present**`;
    }
    ctx.log('detector: tick latency, 1 series');
    const one = await tickLatency(model, 1);
    ctx.log('detector: tick latency, 256 series');
    const many = await tickLatency(model, 256);
    ctx.log('detector: tick latency, 256 series, previous pipeline (no stages after the model)');
    const manyPrevious = await tickLatency(model, 256, true);
    ctx.log('detector: the stages after the model alone, 256 series');
    const stages = stagesLatency();

    ctx.log(`detector: vigil detect on ${PLAN.detectRows} rows`);
    const csv = path.join(dir, 'series.csv');
    const rows: string[] = ['timestamp,value'];
    for (let i = 0; i < PLAN.detectRows; i++) rows.push(`${i},${(10 + Math.sin(i / 20) + 0.05 * Math.cos(i * 1.7)).toFixed(5)}`);
    writeFileSync(csv, rows.join('\n') + '\n');
    const t0 = performance.now();
    execFileSync(process.execPath, [...ctx.vigil.nodeArgs, ctx.vigil.main, 'detect', '--input', csv, '--output', path.join(dir, 'out'), '--model', model], {
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 600_000,
    });
    const detectSecs = (performance.now() - t0) / 1000;

    ctx.log(`detector: vigil detect on a tree of ${PLAN.treeFiles} files × ${PLAN.treeRows} rows`);
    const tree = path.join(dir, 'tree');
    mkdirSync(tree);
    for (let f = 0; f < PLAN.treeFiles; f++)
      writeFileSync(path.join(tree, `s${f}.csv`), ['timestamp,value', ...rows.slice(1 + f * 10, 1 + f * 10 + PLAN.treeRows)].join('\n') + '\n');
    const t1 = performance.now();
    execFileSync(
      process.execPath,
      [...ctx.vigil.nodeArgs, ctx.vigil.main, 'detect', '--input', tree, '--output', path.join(dir, 'out-tree'), '--model', model],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 },
    );
    const treeSecs = (performance.now() - t1) / 1000;

    ctx.log('detector: agent RSS with and without the detector');
    const rssOn = await agentRss(ctx, dir, true);
    const rssOff = await agentRss(ctx, dir, false);
    return [
      `Model: ${modelNote}. One tick = \`Scorer.step\` for every series: copy the windows, one batched onnxruntime-node run (1 intra-op thread), normalise, calibrate, then the stages after the model (sparse raw score, likelihood, range check, events). ${PLAN.ticks[1]} ticks with 1 series and ${PLAN.ticks[256]} with 256, after ${PLAN.warmupTicks} warm-up ticks, in-process.`,
      '',
      table(
        ['measure', 'value', 'goal', 'met'],
        [
          ['tick, 1 series, p50', ms(one.p50), '', ''],
          ['tick, 1 series, p99', ms(one.p99), `< ${GOALS_P99_MS[1]} ms`, verdict(one.p99 < GOALS_P99_MS[1])],
          ['tick, 1 series, max', ms(one.max), '', ''],
          ['tick, 256 series, p50', ms(many.p50), '', ''],
          ['tick, 256 series, p99', ms(many.p99), `< ${GOALS_P99_MS[256]} ms`, verdict(many.p99 < GOALS_P99_MS[256])],
          ['tick, 256 series, max', ms(many.max), '', ''],
          ['tick, 256 series, p99, previous pipeline (no stages after the model)', ms(manyPrevious.p99), '', ''],
          ['stages after the model alone, 256 series, p50', ms(stages.p50), '', ''],
          ['stages after the model alone, 256 series, p99', ms(stages.p99), `< ${STAGES_GOAL_MS} ms`, verdict(stages.p99 < STAGES_GOAL_MS)],
          [
            `\`vigil detect\`, one ${PLAN.detectRows.toLocaleString('en')}-row CSV (process start included)`,
            `${num(PLAN.detectRows / detectSecs)} points/s`,
            '',
            '',
          ],
          [
            `\`vigil detect\`, ${PLAN.treeFiles} CSVs × ${PLAN.treeRows.toLocaleString('en')} rows (scored side by side, one model run per row index)`,
            `${num((PLAN.treeFiles * PLAN.treeRows) / treeSecs)} points/s`,
            '',
            '',
          ],
          ['agent RSS, detector on (model loaded, host series scored every 200 ms)', mb(rssOn), '', ''],
          ['agent RSS, detector off', mb(rssOff), '', ''],
          ['RSS cost of the detector', mb(rssOn - rssOff), '', ''],
        ],
      ),
      '',
      `Machine load at the end: ${num(loadavg()[0]!)} (1-minute load average, ${availableParallelism()} CPUs).`,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const detectorSection: BenchSection = { title: 'Detector', run: measureDetector };
