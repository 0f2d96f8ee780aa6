// Clock jumps. The agent reads the time through one function (AgentOptions.now, handed to every
// stage through the context), which only an in-process agent can replace: no flag or variable fakes
// the clock of a child process, and libfaketime is not installed here. So this file runs the real
// Agent (real collectors, HTTP server, tick scheduler, rules, state dir) in the test process, with
// a clock the test moves an hour forward, then two hours back. The scheduler's own timer is not
// affected (it uses monotonic timers), as on a host whose wall clock is stepped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { defaultConfig } from '../../agent/config.ts';
import { createLogger } from '../../agent/logger.ts';
import { getText, until } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';
import { sumSamples } from '../peers/alertmanager.ts';
import { expectSection, type Row } from './reliability-doc.ts';

const HOUR = 3_600_000;
let dir: string;
let agent: Agent | undefined;
let offset = 0;
const lines: string[] = [];
const rows: Row[] = [];

const url = () => `http://127.0.0.1:${agent!.address!.port}/metrics`;
/** The codes a clock step could cause (not the host's own: a collector's parse warnings, an overrun on a busy machine). */
const CLOCK_CODES = new Set([
  'VIGIL_ERR_CLOCK_STEPPED_BACK',
  'VIGIL_ERR_TICK_FAILED',
  'VIGIL_ERR_RULE_EVALUATION_FAILED',
  'VIGIL_ERR_ALERT_EVALUATION_FAILED',
  'VIGIL_ERR_ALERT_STATE_IO',
  'VIGIL_ERR_DETECTOR_STATE_INVALID',
]);
const codes = () => lines.map((l) => (JSON.parse(l) as { code?: string }).code).filter((c): c is string => c !== undefined && CLOCK_CODES.has(c));

async function ticksPast(n: number): Promise<string> {
  return until(`${n} ticks`, async () => {
    const text = await getText(url());
    return scalar(parsePromText(text), 'vigil_ticks_total') >= n ? text : undefined;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-faults-clock-'));
  writeFileSync(path.join(dir, 'always.rules.yml'), 'groups:\n  - name: always\n    rules:\n      - alert: AlwaysFiring\n        expr: node_load1 >= 0\n');
  const base = defaultConfig();
  const config = {
    ...base,
    listen: '127.0.0.1:0',
    interval: '200ms',
    stateDir: path.join(dir, 'state'),
    alerting: { ...base.alerting, ruleFiles: [path.join(dir, 'always.rules.yml')], evaluationInterval: '200ms' },
  };
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.startsWith('{')) lines.push(l);
      cb();
    },
  });
  const created = await Agent.create({ config, logger: createLogger('info', sink), now: () => Date.now() + offset });
  if (!created.ok) throw new Error(JSON.stringify(created.errors));
  agent = created.agent;
  await agent.start();
});

afterAll(async () => {
  await agent?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const firing = (text: string) => sumSamples(text, 'ALERTS', { alertname: 'AlwaysFiring', alertstate: 'firing' });

describe('clock jumps (in-process agent with a fake clock)', () => {
  it('[clock-forward] an hour forward: ticks, rules and alerts go on', async () => {
    const before = await ticksPast(5);
    expect(firing(before)).toBe(1);
    offset += HOUR;
    const ticks = scalar(parsePromText(before), 'vigil_ticks_total');
    const after = await ticksPast(ticks + 5);
    expect(firing(after)).toBe(1);
    expect(sumSamples(after, 'vigil_rule_evaluation_failures_total')).toBe(0);
    expect(codes()).toEqual([]);
    rows.push({ fault: 'wall clock 1 h forward', metric: '— (no failure)', code: '—', recovered: 'ticks, rules and firing alerts go on' });
  });

  it('[clock-backward] two hours back: ticks go on; the history drops points older than what it holds', async () => {
    const before = await getText(url());
    const dropped = sumSamples(before, 'vigil_rule_history_dropped_points_total');
    offset -= 2 * HOUR;
    const ticks = scalar(parsePromText(before), 'vigil_ticks_total');
    const after = await ticksPast(ticks + 5);
    expect(sumSamples(after, 'vigil_rule_evaluation_failures_total')).toBe(0);
    const droppedAfter = sumSamples(after, 'vigil_rule_history_dropped_points_total');
    const stillFiring = firing(after) === 1;
    expect(codes()).toEqual(['VIGIL_ERR_CLOCK_STEPPED_BACK']);
    const stepped = lines.map((l) => JSON.parse(l) as { code?: string; seconds?: number }).find((e) => e.code === 'VIGIL_ERR_CLOCK_STEPPED_BACK');
    expect(stepped?.seconds).toBeGreaterThan(7000);
    rows.push({
      fault: 'wall clock 2 h back',
      metric: droppedAfter > dropped ? 'vigil_rule_history_dropped_points_total' : '—',
      code: codes().length > 0 ? codes().join(', ') : '—',
      recovered: stillFiring
        ? 'ticks go on; the firing alert stays firing'
        : 'ticks go on; the firing alert is NOT firing until the clock passes its last point',
    });
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expectSection('clock.test.ts', rows);
  });
});
