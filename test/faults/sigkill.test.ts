// SIGKILL in the middle of state writes, then a restart. Two ways:
// - real kills: an agent writing its alert state and rule history every second is SIGKILLed at
//   moments spread over the write period, twice, each followed by a restart on the same state;
// - the residue of a kill mid-write, planted for each state file: the half-written temporary file a
//   killed writer leaves (`.<name>.<pid>.tmp`), and the target itself cut in half (what a writer that
//   did not write atomically, or a lost disk cache, would leave).
// Either way the restarted agent restores each file or ignores it with a coded log line, removes every
// stale temporary file, ticks and serves /metrics, and writes whole files again.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';
import { expectSection, type Row } from './reliability-doc.ts';

let base: string;
let stateDir: string;
let configFile: string;
let agent: AgentPeer | undefined;
const rows: Row[] = [];

const FILES = [
  { file: 'alerts/alerts.json', restored: 'alert state restored', ignoredCode: 'VIGIL_ERR_ALERT_STATE_IO' },
  { file: 'alerts/history.bin', restored: 'rule history restored', ignoredCode: 'VIGIL_ERR_ALERT_STATE_IO' },
  { file: 'detector/state.json', restored: undefined, ignoredCode: 'VIGIL_ERR_DETECTOR_STATE_INVALID' },
] as const;

function tempFiles(): string[] {
  return (readdirSync(stateDir, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'));
}

const start = (): Promise<AgentPeer> => startAgent({ interval: '200ms', args: ['-c', configFile] });

async function ticksPast(n: number): Promise<void> {
  await until(`${n} ticks`, async () => scalar(parsePromText(await agent!.scrape()), 'vigil_ticks_total') >= n);
}

beforeAll(async () => {
  base = mkdtempSync(path.join(tmpdir(), 'vigil-faults-sigkill-'));
  stateDir = path.join(base, 'state');
  configFile = path.join(base, 'vigil.yml');
  writeFileSync(path.join(base, 'always.rules.yml'), 'groups:\n  - name: always\n    rules:\n      - alert: AlwaysFiring\n        expr: node_load1 >= 0\n');
  writeFileSync(
    configFile,
    [
      `stateDir: ${stateDir}`,
      'alerting:',
      `  ruleFiles: [${path.join(base, 'always.rules.yml')}]`,
      '  evaluationInterval: 200ms',
      '  persistInterval: 1s',
      '',
    ].join('\n'),
  );
  // A first run stopped cleanly: every state file exists (the detector writes its state at stop).
  agent = await start();
  await ticksPast(5);
  expect((await agent.stop('SIGTERM')).code).toBe(0);
  for (const f of FILES) expect(existsSync(path.join(stateDir, f.file)), f.file).toBe(true);
});

afterAll(async () => {
  await agent?.stop();
  if (base) rmSync(base, { recursive: true, force: true });
});

describe('SIGKILL mid-write, then a restart', () => {
  it('[sigkill-real] killed at moments spread over the write period, twice: each restart restores the state and leaves no *.tmp', async () => {
    for (const offsetMs of [200, 700]) {
      agent = await start();
      await agent.waitForLog((e) => e.msg === 'alert state restored');
      await agent.waitForLog((e) => e.msg === 'rule history restored');
      expect(
        agent.logs().some((e) => e.code === 'VIGIL_ERR_DETECTOR_STATE_INVALID'),
        'detector state accepted',
      ).toBe(false);
      // Past the first periodic write, then a kill at a chosen point of the next write period.
      await sleep(1000 + offsetMs);
      await agent.stop('SIGKILL');
    }
    agent = await start();
    await agent.waitForLog((e) => e.msg === 'alert state restored');
    await agent.waitForLog((e) => e.msg === 'rule history restored');
    expect(tempFiles()).toEqual([]);
    await agent.stop('SIGTERM');
    rows.push({
      fault: 'SIGKILL during periodic state writes (2 kills, restarts)',
      metric: '— (the process ends)',
      code: '— (nothing lost)',
      recovered: 'alert state and rule history restored; no *.tmp left',
    });
  });

  it('[sigkill-residue] every state file: a half-written temporary file and the target cut in half', async () => {
    const stale: string[] = [];
    for (const { file } of FILES) {
      const target = path.join(stateDir, file);
      const whole = readFileSync(target);
      const tmp = path.join(path.dirname(target), `.${path.basename(target)}.999999.tmp`);
      writeFileSync(tmp, whole.subarray(0, Math.floor(whole.length / 3)));
      writeFileSync(target, whole.subarray(0, Math.floor(whole.length / 2)));
      stale.push(tmp);
    }
    agent = await start();
    for (const { file, ignoredCode } of FILES) {
      await agent.waitForLog((e) => e.code === ignoredCode && JSON.stringify(e).includes(path.basename(file)));
    }
    const removed = agent.logs().find((e) => e.msg.startsWith('removed temporary files'));
    for (const tmp of stale) {
      expect(JSON.stringify(removed?.removed)).toContain(path.basename(tmp));
      expect(existsSync(tmp)).toBe(false);
    }
    await ticksPast(3);
    // Whole again after the next write (periodic for the alert files, at stop for the detector): the
    // next start restores every file without a coded line.
    expect((await agent.stop('SIGTERM')).code).toBe(0);
    expect(tempFiles()).toEqual([]);
    agent = await start();
    for (const { restored } of FILES) if (restored !== undefined) await agent.waitForLog((e) => e.msg === restored);
    await ticksPast(2);
    const stateCodes = new Set<unknown>(FILES.map((f) => f.ignoredCode));
    expect(agent.logs().filter((e) => stateCodes.has(e.code))).toEqual([]);
    await agent.stop('SIGTERM');
    for (const { file, ignoredCode } of FILES) {
      rows.push({
        fault: `\`${file}\` cut in half + stale \`.tmp\` (kill mid-write residue)`,
        metric: '— (start-up)',
        code: ignoredCode,
        recovered: 'ignored, stale *.tmp removed at start; whole again after the next write',
      });
    }
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expectSection('sigkill.test.ts', rows);
  });
});
