// The alerting stage with a stand-in engine (the expression's result is set by the test): evaluation
// schedule, ALERTS series, /api/v1/alerts, failures counted, and the state surviving a restart.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StageContext } from '../core/component.ts';
import { ErrorCode } from '../core/errors.ts';
import type { Sample } from '../core/samples.ts';
import type { VectorSample } from './engine/api.ts';
import { type AlertingStage, createAlertingStage } from './alerting-stage.ts';
import { alertingOptions } from './config.ts';
import type { RuleEngine, RuleHistory } from './rules/engine-port.ts';
import { fakeExpr } from './rules/testing/fake-rule.ts';

let dir: string;
let rulesFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-stage-'));
  rulesFile = path.join(dir, 'r.rules.yml');
  await writeFile(
    rulesFile,
    `groups:
  - name: load
    rules:
      - alert: HighLoad
        expr: node_load1 > 4
        for: 20s
        labels: { severity: warning }
        annotations: { summary: "load {{ $value }} on {{ $externalLabels.node }}" }
      - alert: Broken
        expr: broken
`,
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The result the HighLoad expression gives at the next evaluation. */
let result: VectorSample[] = [];
const appended: number[] = [];

const engine: RuleEngine = {
  compile: (text) =>
    text === 'broken'
      ? {
          ok: true,
          expr: fakeExpr(() => {
            throw new Error('many-to-many matching not allowed');
          }),
        }
      : { ok: true, expr: fakeExpr(() => result) },
  historyMetrics: [],
  createHistory: (): RuleHistory => {
    let saved = 0;
    return {
      seriesOf: () => [],
      metricNames: () => [],
      appendRecorded: () => undefined,
      samples: () => [],
      append: (s) => void appended.push(s.timestamp),
      save: async (f) => writeFile(f, JSON.stringify({ points: appended.length + saved })),
      load: async (f) => {
        try {
          saved = (JSON.parse(await readFile(f, 'utf8')) as { points: number }).points;
          return true;
        } catch {
          return false;
        }
      },
    };
  },
};

function ctx(stateDir: string): StageContext {
  return {
    logger: pino({ level: 'silent' }),
    now: () => Date.now(),
    paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
    signal: new AbortController().signal,
    stateDir,
    nodeName: 'n1',
    externalUrl: 'http://n1:9464',
    meter: undefined as never,
    env: {},
  };
}

async function stage(stateDir: string, over: Record<string, unknown> = {}): Promise<AlertingStage> {
  const r = await createAlertingStage(alertingOptions.parse({ ruleFiles: [rulesFile], evaluationInterval: '10s', ...over }), ctx(stateDir), engine);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.stage;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

const load = (value: number): VectorSample => ({ labels: { __name__: 'node_load1' }, value });

describe('alerting stage', () => {
  it('evaluates when due, drives states, and shows them as ALERTS, alerts and /api/v1/alerts', async () => {
    const s = await stage(path.join(dir, 'state1'));
    await s.start(new AbortController().signal);
    const t0 = 1_700_000_000_000;
    result = [load(5)];
    let out = await s.evaluate({ timestamp: t0, samples: [] });
    expect(out.transitions.map((t) => `${t.alert.labels.alertname}:${t.to}`)).toEqual(['HighLoad:pending']);
    expect(find(out.samples, 'ALERTS', { alertname: 'HighLoad', alertstate: 'pending', severity: 'warning' })).toHaveLength(1);
    expect(find(out.samples, 'ALERTS_FOR_STATE', { alertname: 'HighLoad' })[0]!.value).toBe(t0 / 1000);

    // A tick before the interval is due appends history but does not evaluate.
    out = await s.evaluate({ timestamp: t0 + 5000, samples: [] });
    expect(appended.slice(-2)).toEqual([t0, t0 + 5000]);
    expect(find(out.samples, 'vigil_rule_evaluations_total', { rule_group: `${rulesFile};load` })[0]!.value).toBe(2);

    await s.evaluate({ timestamp: t0 + 10_000, samples: [] });
    out = await s.evaluate({ timestamp: t0 + 20_000, samples: [] });
    expect(out.transitions.map((t) => t.to)).toEqual(['firing']);
    const alert = out.alerts.find((a) => a.labels.alertname === 'HighLoad')!;
    // External labels (node by default) are on the alert for Alertmanager, not on ALERTS.
    expect(alert.labels).toEqual({ alertname: 'HighLoad', severity: 'warning', node: 'n1' });
    expect(alert.annotations).toEqual({ summary: 'load 5 on n1', runbook_url: 'http://n1:9464/runbooks/HighLoad' });
    expect(alert.generatorURL).toBe('http://n1:9464/graph?g0.expr=node_load1%20%3E%204&g0.tab=1');
    expect(find(out.samples, 'ALERTS', { alertstate: 'firing' })[0]!.labels).toEqual({ alertname: 'HighLoad', severity: 'warning', alertstate: 'firing' });

    expect(s.alertsApi()).toEqual({
      status: 'success',
      data: {
        alerts: [
          {
            labels: { alertname: 'HighLoad', severity: 'warning' },
            annotations: { summary: 'load 5 on n1', runbook_url: 'http://n1:9464/runbooks/HighLoad' },
            state: 'firing',
            activeAt: new Date(t0).toISOString(),
            value: '5e+00',
          },
        ],
      },
    });

    // The rule that throws is counted per group; the other keeps working.
    expect(find(out.samples, 'vigil_rule_evaluation_failures_total', { rule_group: `${rulesFile};load` })[0]!.value).toBe(3);

    result = [];
    out = await s.evaluate({ timestamp: t0 + 30_000, samples: [] });
    expect(out.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['firing->inactive']);
    expect(out.alerts[0]!.resolvedAt).toBe(t0 + 30_000);
    expect(find(out.samples, 'ALERTS')).toEqual([]);
    await s.stop();
  });

  it('persists the `for` state and history on stop and restores them on start', async () => {
    const stateDir = path.join(dir, 'state2');
    const t0 = 1_700_000_000_000;
    result = [load(7)];
    const before = await stage(stateDir);
    await before.start(new AbortController().signal);
    await before.evaluate({ timestamp: t0, samples: [] });
    await before.evaluate({ timestamp: t0 + 10_000, samples: [] });
    await before.stop();
    const file = JSON.parse(await readFile(path.join(stateDir, 'alerts', 'alerts.json'), 'utf8')) as {
      rules: Record<string, { activeAt: number; state: string }[]>;
    };
    expect(file.rules[`${rulesFile};load/HighLoad`]![0]).toMatchObject({ activeAt: t0, state: 'pending' });

    const after = await stage(stateDir);
    await after.start(new AbortController().signal);
    // 15 s after the first pending evaluation (5 s of it "down"): pending since t0, so firing at t0+20s.
    let out = await after.evaluate({ timestamp: t0 + 15_000, samples: [] });
    expect(out.transitions).toEqual([]);
    out = await after.evaluate({ timestamp: t0 + 25_000, samples: [] });
    expect(out.transitions.map((t) => t.to)).toEqual(['firing']);
    expect(out.alerts[0]!.activeAt).toBe(t0);
    await after.stop();
  });

  it('a corrupt state file is reported and ignored', async () => {
    const stateDir = path.join(dir, 'state3');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(stateDir, 'alerts'), { recursive: true });
    await writeFile(path.join(stateDir, 'alerts', 'alerts.json'), '{not json');
    const s = await stage(stateDir);
    await s.start(new AbortController().signal);
    result = [load(5)];
    const out = await s.evaluate({ timestamp: 1_700_000_000_000, samples: [] });
    expect(out.transitions.map((t) => t.to)).toEqual(['pending']);
    await s.stop();
  });

  it('never throws into the tick, even when the history fails', async () => {
    const broken: RuleEngine = {
      ...engine,
      createHistory: () => ({
        ...engine.createHistory(new Map(), new Set()),
        append: () => {
          throw new Error('disk on fire');
        },
      }),
    };
    const r = await createAlertingStage(alertingOptions.parse({ ruleFiles: [rulesFile] }), ctx(path.join(dir, 'state5')), broken);
    if (!r.ok) throw new Error('rules should load');
    await r.stage.start(new AbortController().signal);
    await expect(r.stage.evaluate({ timestamp: 1_700_000_000_000, samples: [] })).resolves.toEqual({ samples: [], alerts: [], transitions: [] });
    await r.stage.stop();
  });

  it('bad rule files: nothing is created, every error returned', async () => {
    const bad = path.join(dir, 'bad.rules.yml');
    await writeFile(bad, 'groups:\n  - name: g\n    rules:\n      - alert: X\n        expr: up\n        bogus: 1\n');
    const r = await createAlertingStage(alertingOptions.parse({ ruleFiles: [bad] }), ctx(path.join(dir, 'state4')), engine);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.map((e) => [e.code, e.where])).toEqual([[ErrorCode.RULE_INVALID, `${bad}:6`]]);
  });
});
