// Peers down at start, black-holed and back, killed mid-run and back, with real peers behind a TCP
// proxy the test switches (test/faults/proxy.ts): a PostgreSQL primary and replica (pgreplication
// targets) and an Alertmanager. The OTLP collector and Kafka have their own files.
// Promised after recovery: the targets are up again without a restart, and an alert that fired while
// the Alertmanager was unreachable is delivered, firing and then resolved.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, type LogEvent, startAgent } from '../peers/agent.ts';
import { type AlertmanagerPeer, startAlertmanager, sumSamples } from '../peers/alertmanager.ts';
import { settleAll, until } from '../peers/child.ts';
import { MONITOR_USER, type PgPair, startPrimaryReplica } from '../peers/postgres.ts';
import { expectSection, type Row } from './reliability-doc.ts';
import { FaultProxy } from './proxy.ts';

const PASSWORD = 'faults-Secret-5f1c';
let dir: string;
let pair: PgPair | undefined;
let am: AlertmanagerPeer | undefined;
let agent: AgentPeer | undefined;
let pgProxy: { primary: FaultProxy; replica: FaultProxy };
let amProxy: FaultProxy;
const rows: Row[] = [];

const RULES = `groups:
  - name: faults
    rules:
      - alert: FaultPrimaryUnreachable
        expr: pg_up{target="primary"} == 0
`;

async function metric(name: string, labels: Readonly<Record<string, string>> = {}): Promise<number> {
  return sumSamples(await agent!.scrape(), name, labels);
}

const amLabel = () => ({ alertmanager: `http://127.0.0.1:${amProxy.port}/api/v2/alerts` });

function loggedSince(from: number, pred: (e: LogEvent) => boolean): boolean {
  return agent!.logs().slice(from).some(pred);
}

const pgDownLogged = (from: number, target: string) =>
  loggedSince(from, (e) => e.code === 'VIGIL_ERR_PG_TARGET_DOWN' && JSON.stringify(e).includes(`"${target}"`));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-faults-peers-'));
  writeFileSync(path.join(dir, 'pgpass'), `${PASSWORD}\n`, { mode: 0o600 });
  writeFileSync(path.join(dir, 'faults.rules.yml'), RULES);
  await settleAll([
    startPrimaryReplica({ monitorPassword: PASSWORD }).then((p) => (pair = p)),
    startAlertmanager({ config: 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n' }).then((a) => (am = a)),
  ]);
  // Every peer down at start: the proxies refuse.
  pgProxy = { primary: await FaultProxy.start(pair!.primary.port, 'refuse'), replica: await FaultProxy.start(pair!.replica.port, 'refuse') };
  amProxy = await FaultProxy.start(am!.port, 'refuse');
  const target = (name: string, port: number) =>
    [
      `    - name: ${name}`,
      '      host: 127.0.0.1',
      `      port: ${port}`,
      `      user: ${MONITOR_USER}`,
      `      passwordFile: ${path.join(dir, 'pgpass')}`,
      '      sslmode: disable',
      '      timeout: 500ms',
    ].join('\n');
  writeFileSync(
    path.join(dir, 'vigil.yml'),
    [
      'interval: 500ms',
      'collectorTimeout: 2s',
      `stateDir: ${path.join(dir, 'state')}`,
      'postgres:',
      '  targets:',
      target('primary', pgProxy.primary.port),
      target('replica', pgProxy.replica.port),
      'alerting:',
      `  ruleFiles: [${path.join(dir, 'faults.rules.yml')}]`,
      '  evaluationInterval: 500ms',
      '  resendDelay: 1s',
      `  alertmanagers: [{ url: "http://127.0.0.1:${amProxy.port}", timeout: 1s }]`,
      '',
    ].join('\n'),
  );
  agent = await startAgent({ args: ['-c', path.join(dir, 'vigil.yml')] });
});

afterAll(async () => {
  await agent?.stop();
  for (const p of [pgProxy?.primary, pgProxy?.replica, amProxy]) await p?.stop();
  await am?.stop();
  await pair?.teardown();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('peers under fault, behind a switchable proxy', () => {
  it('[peers-down-at-start] every peer refuses at start; each comes up without a restart', async () => {
    await until(
      'both targets down and the Alertmanager failing',
      async () =>
        (await metric('pg_up', { target: 'primary' })) === 0 &&
        (await metric('pg_up', { target: 'replica' })) === 0 &&
        (await metric('vigil_alertmanager_errors_total', amLabel())) > 0,
      { timeoutMs: 20_000 },
    );
    await agent!.waitForLog((e) => e.code === 'VIGIL_ERR_ALERTMANAGER_SEND_FAILED');
    expect(pgDownLogged(0, 'primary') && pgDownLogged(0, 'replica')).toBe(true);
    // The Alertmanager comes first: the alert that fired while it was down is delivered.
    await amProxy.set('forward');
    await until('the firing alert delivered', async () => (await am!.alerts()).some((a) => a.labels.alertname === 'FaultPrimaryUnreachable'), {
      timeoutMs: 20_000,
    });
    await pgProxy.primary.set('forward');
    await pgProxy.replica.set('forward');
    await until('both targets up', async () => (await metric('pg_up', { target: 'primary' })) === 1 && (await metric('pg_up', { target: 'replica' })) === 1, {
      timeoutMs: 20_000,
    });
    await until('the resolution delivered', async () => (await am!.metric('alertmanager_alerts_received_total', { status: 'resolved' })) > 0, {
      timeoutMs: 20_000,
    });
    await until('the queue drained', async () => (await metric('vigil_alertmanager_queue_length', amLabel())) === 0);
    expect(await metric('vigil_alertmanager_dropped_total', amLabel())).toBe(0);
    rows.push(
      { fault: 'PostgreSQL primary and replica refuse at start', metric: 'pg_up 0', code: 'VIGIL_ERR_PG_TARGET_DOWN', recovered: 'pg_up 1 without a restart' },
      {
        fault: 'Alertmanager refuses at start',
        metric: 'vigil_alertmanager_errors_total, vigil_alertmanager_queue_length',
        code: 'VIGIL_ERR_ALERTMANAGER_SEND_FAILED',
        recovered: 'queued alert delivered firing, then resolved; dropped 0',
      },
    );
  });

  it('[peers-blackhole] every peer black-holed, then back: the alert raised meanwhile is delivered firing and resolved', async () => {
    const from = agent!.logs().length;
    const errorsBefore = await metric('vigil_alertmanager_errors_total', amLabel());
    const resolvedBefore = await am!.metric('alertmanager_alerts_received_total', { status: 'resolved' });
    const firingBefore = await am!.metric('alertmanager_alerts_received_total', { status: 'firing' });
    for (const p of [pgProxy.primary, pgProxy.replica, amProxy]) await p.set('blackhole');
    await until('both targets down', async () => (await metric('pg_up', { target: 'primary' })) === 0 && (await metric('pg_up', { target: 'replica' })) === 0, {
      timeoutMs: 20_000,
    });
    await until('the Alertmanager timing out', async () => (await metric('vigil_alertmanager_errors_total', amLabel())) > errorsBefore, { timeoutMs: 20_000 });
    await until(
      'coded log lines',
      () => pgDownLogged(from, 'primary') && pgDownLogged(from, 'replica') && loggedSince(from, (e) => e.code === 'VIGIL_ERR_ALERTMANAGER_SEND_FAILED'),
    );
    // The ticks go on: a black-holed target costs its timeout, not the tick.
    const ticks = await metric('vigil_ticks_total');
    await until('ticks going on', async () => (await metric('vigil_ticks_total')) >= ticks + 3);
    await amProxy.set('forward');
    await until(
      'the alert raised during the outage delivered',
      async () => (await am!.metric('alertmanager_alerts_received_total', { status: 'firing' })) > firingBefore,
      { timeoutMs: 20_000 },
    );
    await pgProxy.primary.set('forward');
    await pgProxy.replica.set('forward');
    await until('both targets up', async () => (await metric('pg_up', { target: 'primary' })) === 1 && (await metric('pg_up', { target: 'replica' })) === 1, {
      timeoutMs: 20_000,
    });
    await until('the resolution delivered', async () => (await am!.metric('alertmanager_alerts_received_total', { status: 'resolved' })) > resolvedBefore, {
      timeoutMs: 20_000,
    });
    expect(await metric('vigil_alertmanager_dropped_total', amLabel())).toBe(0);
    rows.push(
      {
        fault: 'PostgreSQL primary and replica black-holed, then back',
        metric: 'pg_up 0',
        code: 'VIGIL_ERR_PG_TARGET_DOWN',
        recovered: 'pg_up 1 without a restart; ticks went on',
      },
      {
        fault: 'Alertmanager black-holed, then back',
        metric: 'vigil_alertmanager_errors_total, vigil_alertmanager_queue_length',
        code: 'VIGIL_ERR_ALERTMANAGER_SEND_FAILED',
        recovered: 'alert raised meanwhile delivered firing, then resolved; dropped 0',
      },
    );
  });

  it('[peers-killed] the replica killed mid-run (immediate shutdown), then started again', async () => {
    const from = agent!.logs().length;
    await pair!.replica.stop('immediate');
    await until('the replica down', async () => (await metric('pg_up', { target: 'replica' })) === 0, { timeoutMs: 20_000 });
    await until('a coded log line', () => pgDownLogged(from, 'replica'));
    expect(await metric('pg_up', { target: 'primary' })).toBe(1);
    await pair!.replica.start();
    await until('the replica up again', async () => (await metric('pg_up', { target: 'replica' })) === 1, { timeoutMs: 30_000 });
    rows.push({
      fault: 'PostgreSQL replica killed mid-run (pg_ctl -m immediate), then started',
      metric: 'pg_up 0',
      code: 'VIGIL_ERR_PG_TARGET_DOWN',
      recovered: 'pg_up 1 without a restart',
    });
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expect(agent!.exit).toBeUndefined();
    expectSection('peers.test.ts', rows);
  });
});
