// The state directory failing under a running agent: read-only, full (a small tmpfs filled up) and
// removed. The agent keeps ticking and serving /metrics; each failed write shows in
// vigil_state_write_failures_total{file} with a coded log line and leaves no temporary file; once the
// directory is writable again the next periodic write succeeds (the last-success timestamp moves on);
// a stop while it is read-only still exits 0 in time, naming what it could not save; and a restart
// restores what was saved. Needs mount(8) (the tests run as root); skipped with a message otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, type LogEvent, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { parsePromText } from '../peers/prom-text.ts';
import { expectSection, type Row } from './reliability-doc.ts';

const TMPFS_SIZE = '2m';

function tryMount(dir: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
  }
}

const base = mkdtempSync(path.join(tmpdir(), 'vigil-faults-statedir-'));
const mnt = path.join(base, 'mnt');
mkdirSync(mnt);
const mountError = tryMount(mnt);
if (mountError !== undefined) console.warn(`test/faults/state-dir.test.ts skipped: cannot mount a tmpfs (${mountError}); run as root with CAP_SYS_ADMIN`);

const remount = (mode: 'ro' | 'rw'): void => void execFileSync('mount', ['-o', `remount,${mode}`, mnt]);
const stateDir = path.join(mnt, 'state');
const configFile = path.join(base, 'vigil.yml');
const rows: Row[] = [];
let agent: AgentPeer | undefined;

/** Every temporary file of a state write under dir (writeFileAtomic's `.name.<pid>.tmp`). */
function tempFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'));
}

interface StateView {
  failures: number;
  lastSuccess: number;
}

async function stateView(file: string): Promise<StateView> {
  const e = parsePromText(await agent!.scrape());
  const pick = (name: string) => e.families.get(name)?.samples.find((s) => s.labels.file === file)?.value ?? Number.NaN;
  return { failures: pick('vigil_state_write_failures_total'), lastSuccess: pick('vigil_state_last_write_success_timestamp_seconds') };
}

const codedSince = (from: number, code: string): LogEvent | undefined =>
  agent!
    .logs()
    .slice(from)
    .find((e) => e.code === code);

function start(): Promise<AgentPeer> {
  return startAgent({ interval: '200ms', args: ['-c', configFile] });
}

beforeAll(async () => {
  if (mountError !== undefined) return;
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
  agent = await start();
  await until(
    'a first successful alert state write',
    async () => (await stateView('alert_state')).lastSuccess * 1000 > Date.now() - 5000 && existsSync(path.join(stateDir, 'alerts', 'alerts.json')),
    {
      timeoutMs: 20_000,
    },
  );
});

afterAll(async () => {
  await agent?.stop();
  if (mountError === undefined) {
    try {
      execFileSync('umount', [mnt]);
    } catch {
      execFileSync('umount', ['-l', mnt]);
    }
  }
  rmSync(base, { recursive: true, force: true });
});

/** Breaks the directory, checks the failure is counted and coded with no temp file left, lifts it, checks the next write succeeds. */
async function faultAndRecover(name: string, breakIt: () => void, lift: () => void): Promise<void> {
  const before = await stateView('alert_state');
  const logsFrom = agent!.logs().length;
  breakIt();
  const during = await until('a failed alert state write', async () => {
    const v = await stateView('alert_state');
    return v.failures >= before.failures + 2 ? v : undefined;
  });
  expect(codedSince(logsFrom, 'VIGIL_ERR_ALERT_STATE_IO'), 'a coded log line').toBeDefined();
  expect(tempFiles(stateDir), 'no temporary file left by the failed writes').toEqual([]);
  lift();
  const t = Date.now() / 1000;
  const after = await until('a successful alert state write after recovery', async () => {
    const v = await stateView('alert_state');
    return v.lastSuccess >= t ? v : undefined;
  });
  expect(after.lastSuccess).toBeGreaterThan(during.lastSuccess);
  expect(existsSync(path.join(stateDir, 'alerts', 'alerts.json'))).toBe(true);
  expect(existsSync(path.join(stateDir, 'alerts', 'history.bin'))).toBe(true);
  expect(tempFiles(stateDir)).toEqual([]);
  rows.push({
    fault: name,
    metric: 'vigil_state_write_failures_total{file="alert_state"}',
    code: 'VIGIL_ERR_ALERT_STATE_IO',
    recovered: 'next periodic write succeeds; no *.tmp left',
  });
}

describe.skipIf(mountError !== undefined)('state directory under fault (tmpfs)', () => {
  it('[state-read-only] remounted read-only, then read-write', async () => {
    await faultAndRecover(
      'state dir read-only (remount ro)',
      () => remount('ro'),
      () => remount('rw'),
    );
  });

  it('[state-full] the tmpfs filled up, then space freed', async () => {
    const filler = path.join(mnt, 'filler');
    await faultAndRecover(
      `state dir full (tmpfs size=${TMPFS_SIZE} filled)`,
      () => {
        // Fill to the last byte: write chunks until ENOSPC.
        const chunk = Buffer.alloc(64 * 1024, 1);
        for (let i = 0; ; i++) {
          try {
            writeFileSync(`${filler}.${i}`, chunk);
          } catch {
            break;
          }
        }
        for (let i = 0; ; i++) {
          try {
            writeFileSync(`${filler}.small.${i}`, Buffer.alloc(1024, 1));
          } catch {
            break;
          }
        }
      },
      () => {
        for (const f of readdirSync(mnt)) if (f.startsWith('filler')) rmSync(path.join(mnt, f));
      },
    );
  });

  it('[state-removed] removed while running: recreated by the next write', async () => {
    const before = await stateView('alert_state');
    rmSync(stateDir, { recursive: true, force: true });
    const t = Date.now() / 1000;
    await until(
      'the alert state written again',
      async () => (await stateView('alert_state')).lastSuccess >= t && existsSync(path.join(stateDir, 'alerts', 'alerts.json')),
    );
    expect((await stateView('alert_state')).failures).toBe(before.failures);
    rows.push({
      fault: 'state dir removed (rm -rf)',
      metric: 'vigil_state_last_write_success_timestamp_seconds (moves on)',
      code: '— (no failure)',
      recovered: 'recreated by the next write',
    });
  });

  it('[state-stop-read-only] SIGTERM while read-only: exit 0 in time, what was not saved is logged; a restart restores the last saved state', async () => {
    // A detector state written while the directory is writable (the detector saves every 5 min and on stop).
    const logsFrom = agent!.logs().length;
    remount('ro');
    const t0 = Date.now();
    const exit = await agent!.stop('SIGTERM', 10_000);
    expect(exit.code, agent!.stdout().slice(-3000)).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(codedSince(logsFrom, 'VIGIL_ERR_ALERT_STATE_IO')).toBeDefined();
    expect(codedSince(logsFrom, 'VIGIL_ERR_DETECTOR_STATE_INVALID')).toBeDefined();
    remount('rw');
    agent = await start();
    await agent.waitForLog((e) => e.msg === 'alert state restored');
    await agent.waitForLog((e) => e.msg === 'rule history restored');
    rows.push({
      fault: 'SIGTERM while the state dir is read-only',
      metric: '— (the process ends)',
      code: 'VIGIL_ERR_ALERT_STATE_IO, VIGIL_ERR_DETECTOR_STATE_INVALID',
      recovered: 'exit 0 < 5 s; restart restores the last saved alert state and history',
    });
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expectSection('state-dir.test.ts', rows);
  });
});
