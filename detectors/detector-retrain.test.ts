// The stage with part A's real Retrainer: a run fine-tunes on the stage's own history (in a worker
// thread), and when the candidate is not worse the stage swaps it in before the next tick.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { StageContext } from '../core/component.ts';
import { counter, gauge } from '../core/samples.ts';
import { detectorOptions } from './config.ts';
import { createDetectorStage } from './detector-stage.ts';
import { writeTestModel } from './eval/testing/test-model.ts';
import { loadOnnxPredictor } from './lstm/onnx-predictor.ts';
import { Retrainer, type RetrainOutcome } from './lstm/retrain/retrainer.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-retrain-stage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('detector stage with the real Retrainer', () => {
  it('retrains on the stage history and swaps the model in at the next tick', async () => {
    const model = path.join(dir, 'model.onnx');
    writeTestModel(model, 8, 6);
    const ctx: StageContext = {
      logger: pino({ level: 'silent' }),
      now: Date.now,
      paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
      signal: new AbortController().signal,
      stateDir: dir,
      nodeName: 'node-r',
      externalUrl: 'http://node-r:9464',
      meter: new MeterProvider().getMeter('t'),
      env: {},
    };
    let retrainer: Retrainer | undefined;
    const stage = createDetectorStage(detectorOptions.parse({ model, warmup: 5 }), ctx, {
      loadPredictor: loadOnnxPredictor,
      createRetrainer: (o) =>
        (retrainer = new Retrainer({ ...o, fineTune: { epochs: 1, trainWindows: 400, validationWindows: 100, batchSize: 16 }, timeoutMs: 120_000 })),
    });
    await stage.start(ctx.signal);
    let out;
    for (let i = 0; i < 600; i++) {
      out = await stage.score({
        timestamp: 1e12 + i * 10_000,
        samples: [
          gauge('node_load1', {}, 2 + Math.sin(i / 6)),
          gauge('node_memory_MemTotal_bytes', {}, 100),
          gauge('node_memory_MemAvailable_bytes', {}, 50 + 10 * Math.cos(i / 9)),
          counter('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, i),
        ],
      });
    }
    const before = out!.samples.find((s) => s.name === 'vigil_model_info')!.labels.version;
    const outcome: RetrainOutcome = await retrainer!.runOnce();
    // An untrained model fine-tuned on smooth series gets better: the candidate is swapped in.
    expect(outcome.outcome).toBe('swapped');
    out = await stage.score({ timestamp: 1e12 + 600 * 10_000, samples: [gauge('node_load1', {}, 2)] });
    const after = out.samples.find((s) => s.name === 'vigil_model_info')!.labels.version;
    const runs = out.samples.filter((s) => s.name === 'vigil_detector_retrain_runs_total' && s.value === 1).map((s) => s.labels.outcome);
    expect(runs).toEqual([outcome.outcome]);
    expect(after).not.toBe(before);
    // The swap kept every series' state: load1 is scored at once with the new model.
    expect(out.anomalies.some((a) => a.metric === 'node_load1')).toBe(true);
    await stage.stop();
  });
});
