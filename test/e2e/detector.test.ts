// The detector in the real agent (a child process, its /metrics and JSON logs): a corrupt model
// leaves the detector down and the agent collecting; a valid ONNX model scores the host's series,
// exports the inference histogram, and keeps its warm-up across a restart (state in --state-dir).
// The eval report is opened in headless Chromium (Debian's chromium, test/peers/install.sh).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { writeTestModel } from '../../detectors/eval/testing/test-model.ts';
import { evalCommand } from '../../detectors/cli/eval.ts';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';
import { promtoolCheckMetrics } from '../peers/prometheus.ts';
import { until } from '../peers/child.ts';

const TICK = '100ms';
let dir: string;
const agents: AgentPeer[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-detector-'));
});
afterAll(async () => {
  for (const a of agents) await a.stop();
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, detector: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yml`);
  writeFileSync(
    file,
    `detector:\n${Object.entries(detector)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`,
  );
  return file;
}

async function start(name: string, detector: Record<string, unknown>, stateDir: string): Promise<AgentPeer> {
  const a = await startAgent({ interval: TICK, args: ['-c', config(name, detector), '--state-dir', stateDir] });
  agents.push(a);
  return a;
}

const samples = (e: Exposition, name: string) => e.families.get(name)?.samples ?? [];

describe('detector in the running agent', () => {
  it('a corrupt model: one error log with its code, vigil_detector_up 0, no scores, collection goes on', async () => {
    const model = path.join(dir, 'corrupt.onnx');
    writeFileSync(model, Buffer.alloc(4096, 0x5a));
    const agent = await start('corrupt', { model }, path.join(dir, 'state-corrupt'));
    const ev = await agent.waitForLog((e) => e.code === ErrorCode.MODEL_INVALID);
    expect(ev.level).toBe(50);
    await sleep(500);
    const m = parsePromText(await agent.scrape());
    expect(samples(m, 'vigil_detector_up').map((s) => s.value)).toEqual([0]);
    expect(samples(m, 'vigil_anomaly_score')).toEqual([]);
    expect(samples(m, 'node_load1').length).toBe(1);
    expect(agent.logs().filter((e) => e.code === ErrorCode.MODEL_INVALID)).toHaveLength(1);
    expect(agent.exit).toBeUndefined();
    await agent.stop();
  });

  it('a valid model scores the host series, exports the inference histogram, and a restart keeps warm-up done', async () => {
    const model = path.join(dir, 'model.onnx');
    writeTestModel(model, 8, 8);
    const stateDir = path.join(dir, 'state-ok');
    const detector = { model, warmup: 5 };
    const first = await start('ok', detector, stateDir);
    const m = await until('vigil_anomaly_score for node_load1', async () => {
      const e = parsePromText(await first.scrape());
      return samples(e, 'vigil_anomaly_score').some((s) => s.labels.metric === 'node_load1') ? e : undefined;
    });
    expect(samples(m, 'vigil_detector_up').map((s) => s.value)).toEqual([1]);
    expect(samples(m, 'vigil_model_info')[0]!.labels).toMatchObject({ model: 'vigil-lstm-test', version: '0.0.0-test' });
    for (const s of samples(m, 'vigil_anomaly_score')) expect(s.value >= 0 && s.value <= 1).toBe(true);
    const metrics = new Set(samples(m, 'vigil_anomaly_score').map((s) => s.labels.metric));
    expect(metrics.has('node_memory_used_ratio')).toBe(true);
    expect(m.families.get('vigil_detector_inference_seconds')?.type).toBe('histogram');
    // On-node retraining is on by default: scheduled (a daily minute from the node name), counted.
    expect(
      samples(m, 'vigil_detector_retrain_runs_total')
        .map((s) => s.labels.outcome)
        .sort(),
    ).toEqual(['failed', 'rejected', 'swapped']);
    expect(first.logs().some((e) => e.event === 'detector_retrain_scheduled')).toBe(true);
    // promtool lints the detector's families cleanly (the rest of the exposition is checked in prometheus.test.ts).
    const body = await first.scrape();
    const ours = body
      .split('\n')
      .filter((line) => /^(# (HELP|TYPE) )?(vigil_anomaly|vigil_host_anomaly_rate|vigil_detector_|vigil_model_info)/.test(line))
      .join('\n');
    expect(ours).toContain('vigil_anomaly_score{');
    const lint = await promtoolCheckMetrics(ours + '\n');
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.code).toBe(0);
    await first.stop();
    expect(existsSync(path.join(stateDir, 'detector', 'state.json'))).toBe(true);

    // Restarted with the state: load1 is scored in the very first tick (/readyz waits for it), where a
    // fresh start needs 8 (window) + 5 (calibration) ticks.
    const second = await start('ok2', detector, stateDir);
    const firstTick = parsePromText(await second.scrape());
    expect(samples(firstTick, 'vigil_anomaly_score').some((s) => s.labels.metric === 'node_load1')).toBe(true);
    expect(second.logs().some((e) => e.msg === 'detector state restored')).toBe(true);
    await second.stop();
  });
});

describe('vigil eval --report in headless Chromium', () => {
  it('loads without console errors and has one SVG chart per series', async () => {
    const model = path.join(dir, 'model-report.onnx');
    writeTestModel(model);
    const input = path.join(dir, 'report-input');
    mkdirSync(input);
    for (const name of ['a', 'b', 'c']) {
      const rows = Array.from({ length: 300 }, (_, i) => `${i},${10 + Math.sin(i / 4) + (i === 250 ? 20 : 0)},${i >= 248 && i <= 255 ? 1 : 0}`);
      writeFileSync(path.join(input, `${name}.csv`), ['timestamp,value,label', ...rows].join('\n'));
    }
    const report = path.join(dir, 'report');
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(await evalCommand({ input, labels: input, model, report })).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') errors.push(msg.text());
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(pathToFileURL(path.join(report, 'index.html')).href);
      expect(await page.locator('svg.chart').count()).toBe(3);
      // Each chart draws something: the score line, the threshold and a shaded window.
      expect(await page.locator('svg.chart polyline.score').count()).toBe(3);
      expect(await page.locator('svg.chart rect.window').count()).toBe(3);
      const box = await page.locator('svg.chart').first().boundingBox();
      expect(box!.width).toBeGreaterThan(500);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
