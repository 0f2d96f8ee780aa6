// The whole alerting path with real processes: the agent (`vigil run`) evaluates a rule over a load
// average the test controls (a procfs tree with its own loadavg file) and posts to two real
// Alertmanagers configured from the shipped alertmanager.yml, whose Slack and PagerDuty receivers point
// at this test's HTTP server. Proves: fires → held by Alertmanager with labels and runbook_url → Slack-
// and PagerDuty-shaped requests carry the runbook link; clears → resolved notifications; one Alertmanager
// down for two resend periods while an alert fires and resolves → both states delivered after it comes
// back, nothing dropped; both Alertmanagers receive everything.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerConfigFor } from '../../alerts/alertmanager/testing/config-for-test.ts';
import { alertmanagerSinkOptions } from '../../sinks/alertmanager/options.ts';
import { AlertmanagerSink } from '../../sinks/alertmanager/alertmanager-sink.ts';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { type AlertmanagerPeer, startAlertmanager, sumSamples } from '../peers/alertmanager.ts';
import { getText, settleAll, until } from '../peers/child.ts';
import { makeServerCert } from '../peers/tls.ts';

// Firing alerts are valid for 4 × 3 s = 12 s: long enough that the ones queued during the outage are still
// firing when the restarted Alertmanager gets them (it counts expired ones as resolved).
const RESEND_MS = 3000;

const RULES = `groups:
  - name: e2e
    rules:
      - alert: E2ELoadCritical
        expr: node_load1 > 5
        for: 1s
        labels:
          severity: critical
        annotations:
          summary: 'Load {{ $value }} is high on {{ $externalLabels.node }}'
          value: '{{ $value | humanize }}'
      - alert: E2ELoadWarning
        expr: node_load1 > 5
        labels:
          severity: warning
        annotations:
          summary: 'Load {{ printf "%.1f" $value }} is high'
          value: '{{ $value }}'
      - alert: E2ELoadSustained
        expr: node_load1 > 5
        for: 1h
        labels:
          severity: warning
`;

interface Received {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

let dir: string;
let receiver: Server;
const received: Received[] = [];
let amConfig: string;
let am1: AlertmanagerPeer | undefined;
let am2: AlertmanagerPeer | undefined;
let agent: AgentPeer | undefined;

/** Rewrites the load average the agent reads (atomically, so a tick never reads half a file). */
async function setLoad(load1: number): Promise<void> {
  const f = path.join(dir, 'proc', 'loadavg');
  await writeFile(`${f}.tmp`, `${load1.toFixed(2)} 0.50 0.40 1/200 4242\n`);
  await rename(`${f}.tmp`, f);
}

interface ApiAlert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
}
const agentAlerts = async (): Promise<ApiAlert[]> => (JSON.parse(await getText(`${agent!.url}/api/v1/alerts`)) as { data: { alerts: ApiAlert[] } }).data.alerts;
const agentMetric = async (name: string, am: AlertmanagerPeer) => sumSamples(await agent!.scrape(), name, { alertmanager: `${am.url}/api/v2/alerts` });
const slack = () => received.filter((r) => r.path === '/slack');
const pagerduty = () => received.filter((r) => r.path === '/v2/enqueue');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-alerting-'));
  await mkdir(path.join(dir, 'proc'));
  await setLoad(0.1);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: JSON.parse(body || '{}') as Record<string, unknown> });
      res.writeHead(req.url === '/v2/enqueue' ? 202 : 200, { 'content-type': 'application/json' }).end(req.url === '/slack' ? 'ok' : '{"status":"success"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  await writeFile(path.join(dir, 'slack-url'), `${base}/slack\n`);
  await writeFile(path.join(dir, 'pd-key'), 'e2e-routing-key-0123456789abcdef\n');
  amConfig = alertmanagerConfigFor({
    slackUrlFile: path.join(dir, 'slack-url'),
    pagerdutyKeyFile: path.join(dir, 'pd-key'),
    pagerdutyUrl: `${base}/v2/enqueue`,
    groupWait: '1s',
    groupInterval: '1s',
    repeatInterval: '1h',
  });
  await settleAll([startAlertmanager({ config: amConfig }).then((p) => (am1 = p)), startAlertmanager({ config: amConfig }).then((p) => (am2 = p))]);

  await writeFile(path.join(dir, 'e2e.rules.yml'), RULES);
  const off = { enabled: false };
  const config = {
    nodeName: 'e2e-node',
    stateDir: path.join(dir, 'state'),
    collectors: { cpu: off, stat: off, meminfo: off, filesystem: off, diskstats: off, netdev: off, pressure: off, uname: off, os: off, time: off },
    detector: { enabled: false },
    alerting: {
      alertmanagers: [{ url: am1!.url }, { url: am2!.url, timeout: '2s' }],
      ruleFiles: [path.join(dir, '*.rules.yml')],
      resendDelay: `${RESEND_MS / 1000}s`,
      evaluationInterval: '1s',
      externalLabels: { cluster: 'e2e' },
    },
  };
  await writeFile(path.join(dir, 'vigil.yml'), JSON.stringify(config));
  agent = await startAgent({ interval: '1s', args: ['--config', path.join(dir, 'vigil.yml'), `--path.procfs=${path.join(dir, 'proc')}`] });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await am1?.stop();
  await am2?.stop();
  await new Promise((r) => receiver?.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('alerts from the agent through real Alertmanagers', () => {
  it('a firing rule reaches both Alertmanagers with its labels and runbook_url', async () => {
    await setLoad(9);
    const runbook = (name: string) => `http://e2e-node:${agent!.port}/runbooks/${name}`;
    for (const am of [am1!, am2!]) {
      const held = await until(`${am.url} to hold E2ELoadCritical`, async () => (await am.alerts()).find((a) => a.labels.alertname === 'E2ELoadCritical'));
      expect(held.labels).toEqual({ alertname: 'E2ELoadCritical', severity: 'critical', node: 'e2e-node', cluster: 'e2e' });
      expect(held.annotations.runbook_url).toBe(runbook('E2ELoadCritical'));
      expect(held.annotations.summary).toBe('Load 9 is high on e2e-node');
      expect(held.generatorURL).toMatch(/^http:\/\/e2e-node:\d+\/graph\?g0\.expr=node_load1%20%3E%205/);
      expect(Date.parse(held.endsAt)).toBeGreaterThan(Date.now());
    }
    // The agent's own view: ALERTS on /metrics, the alert on /api/v1/alerts.
    const metrics = await agent!.scrape();
    expect(metrics).toMatch(/ALERTS\{[^}]*alertname="E2ELoadCritical"[^}]*alertstate="firing"/);
    expect((await agentAlerts()).map((a) => `${a.labels.alertname}:${a.state}`).sort()).toEqual([
      'E2ELoadCritical:firing',
      'E2ELoadSustained:pending',
      'E2ELoadWarning:firing',
    ]);
    // The runbook route of a shipped alert serves HTML.
    expect(await getText(`${agent!.url}/runbooks/NodeCPUHighUsage`)).toMatch(/<html/i);
  });

  it('Slack (warning) and PagerDuty (critical) get requests carrying the runbook link', async () => {
    const pd = await until('a PagerDuty trigger', async () => pagerduty().find((r) => r.body.event_action === 'trigger'));
    expect(JSON.stringify(pd.body)).toContain(`http://e2e-node:${agent!.port}/runbooks/E2ELoadCritical`);
    expect(pd.body.routing_key).toBe('e2e-routing-key-0123456789abcdef');
    const sl = await until('a Slack message', async () => slack()[0]);
    expect(JSON.stringify(sl.body)).toContain(`http://e2e-node:${agent!.port}/runbooks/E2ELoadWarning`);
    expect(JSON.stringify(sl.body)).toContain('e2e-node');
  });

  it('when the condition clears, resolved notifications arrive', async () => {
    await setLoad(0.1);
    const resolve = await until('a PagerDuty resolve', async () => pagerduty().find((r) => r.body.event_action === 'resolve'), { timeoutMs: 30_000 });
    expect(resolve.body.dedup_key).toBe(pagerduty().find((r) => r.body.event_action === 'trigger')!.body.dedup_key);
    await until('a resolved Slack message', async () => slack().find((r) => JSON.stringify(r.body).includes('RESOLVED')));
    await until('Alertmanager to have no active alert', async () => (await am1!.alerts()).every((a) => Date.parse(a.endsAt) <= Date.now()));
    expect(await agentAlerts()).toEqual([]);
  });

  it('an Alertmanager down for two resend periods while an alert fires and resolves gets both states afterwards, nothing dropped', async () => {
    const port = am1!.port;
    await am1!.stop();
    am1 = undefined;
    const am1Label = { url: `http://127.0.0.1:${port}` } as AlertmanagerPeer;
    const am2FiringBefore = await am2!.metric('alertmanager_alerts_received_total', { status: 'firing' });

    await setLoad(12);
    await until('the agent to fire', async () => (await agentAlerts()).some((a) => a.labels.alertname === 'E2ELoadCritical' && a.state === 'firing'));
    await sleep(2 * RESEND_MS);
    await setLoad(0.1);
    await until('the agent to resolve', async () => (await agentAlerts()).length === 0);
    expect(await agentMetric('vigil_alertmanager_errors_total', am1Label)).toBeGreaterThan(0);
    expect(await agentMetric('vigil_alertmanager_queue_length', am1Label)).toBeGreaterThan(0);

    am1 = await startAlertmanager({ config: amConfig, port });
    // A fresh Alertmanager counts what it receives from now on: the queued firing alerts, then the resolution.
    await until(
      'the restarted Alertmanager to receive the firing state',
      async () => (await am1!.metric('alertmanager_alerts_received_total', { status: 'firing' })) > 0,
    );
    await until(
      'the restarted Alertmanager to receive the resolution',
      async () => (await am1!.metric('alertmanager_alerts_received_total', { status: 'resolved' })) > 0,
    );
    await until('the queue to drain', async () => (await agentMetric('vigil_alertmanager_queue_length', am1!)) === 0);
    expect(await agentMetric('vigil_alertmanager_dropped_total', am1!)).toBe(0);
    expect(await agentMetric('vigil_alertmanager_sent_total', am1!)).toBeGreaterThan(0);
    // The other Alertmanager was up all along and got the firing state at once.
    expect(await am2!.metric('alertmanager_alerts_received_total', { status: 'firing' })).toBeGreaterThan(am2FiringBefore);
    expect(await agentMetric('vigil_alertmanager_errors_total', am2!)).toBe(0);
    expect(await agentMetric('vigil_alertmanager_dropped_total', am2!)).toBe(0);
  });

  it('a restarted agent restores the `for` state: a pending alert keeps its activeAt', async () => {
    await setLoad(9);
    const pending = await until('E2ELoadSustained to be pending', async () => (await agentAlerts()).find((a) => a.labels.alertname === 'E2ELoadSustained'));
    expect(pending.state).toBe('pending');
    const exit = await agent!.stop('SIGTERM');
    expect(exit.code).toBe(0);
    agent = await startAgent({ interval: '1s', args: ['--config', path.join(dir, 'vigil.yml'), `--path.procfs=${path.join(dir, 'proc')}`] });
    const restored = await until('E2ELoadSustained after the restart', async () =>
      (await agentAlerts()).find((a) => a.labels.alertname === 'E2ELoadSustained'),
    );
    expect(restored.state).toBe('pending');
    expect(restored.activeAt).toBe(pending.activeAt);
    await agent.waitForLog((ev) => ev.msg === 'alert state restored' && Number(ev.alerts) >= 1);
    await agent.waitForLog((ev) => ev.msg === 'rule history restored');
    await setLoad(0.1);
  });
});

describe('an Alertmanager behind TLS and basic auth (in-process sink, real Alertmanager)', () => {
  // bcrypt (cost 4) of E2E_PASSWORD, as Alertmanager's web config wants it; a test credential.
  const E2E_PASSWORD = 'e2e-am-password';
  const E2E_HASH = '$2b$04$4TAg2SJL24TCwt0mVuqFt.1aIwzkqeLiFyURjN9dKHyzQD6Xze.am';
  let tlsDir: string;
  let am: AlertmanagerPeer | undefined;
  let caFile: string;

  beforeAll(async () => {
    tlsDir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-am-tls-'));
    const cert = await makeServerCert(tlsDir, { caName: 'vigil-e2e-ca', dnsNames: ['alertmanager.test'], ipAddresses: ['127.0.0.1'] });
    caFile = cert.caFile;
    await writeFile(path.join(tlsDir, 'password'), `${E2E_PASSWORD}\n`);
    await writeFile(path.join(tlsDir, 'wrong-password'), 'not-it\n');
    am = await startAlertmanager({
      config: 'route: { receiver: none }\nreceivers: [{ name: none }]\n',
      web: { ...cert, users: { vigil: { password: E2E_PASSWORD, bcryptHash: E2E_HASH } } },
    });
  }, 60_000);

  afterAll(async () => {
    await am?.stop();
    await rm(tlsDir, { recursive: true, force: true });
  });

  const firing = (name: string) => ({
    labels: { alertname: name, node: 'e2e-node' },
    annotations: { runbook_url: `http://e2e-node:9464/runbooks/${name}` },
    state: 'firing' as const,
    activeAt: Date.now(),
    firedAt: Date.now(),
    value: 1,
    generatorURL: 'http://e2e-node:9464/graph',
  });

  function sinkFor(passwordFile: string): AlertmanagerSink {
    const config = alertmanagerSinkOptions.parse({
      alertmanagers: [{ url: am!.url, timeout: '2s', basicAuth: { username: 'vigil', passwordFile }, tls: { caFile, serverName: 'alertmanager.test' } }],
      resendDelay: '2s',
    });
    return new AlertmanagerSink(
      config,
      { logger: pino({ level: 'silent' }), evaluationIntervalMs: 10_000 },
      { queue: { backoffInitialMs: 100, backoffMaxMs: 200 } },
    );
  }

  const sample = (sink: AlertmanagerSink, name: string) => sink.selfSamples().find((x) => x.name === name)!.value;

  it('delivers with the CA, server name and password from files', async () => {
    const sink = sinkFor(path.join(tlsDir, 'password'));
    await sink.start(new AbortController().signal);
    sink.send({ snapshot: { timestamp: Date.now(), samples: [] }, anomalies: [], alerts: [firing('E2ETlsAlert')], alertTransitions: [] });
    await until('the TLS Alertmanager to hold the alert', async () => (await am!.alerts()).some((a) => a.labels.alertname === 'E2ETlsAlert'));
    expect(sample(sink, 'vigil_alertmanager_errors_total')).toBe(0);
    expect(JSON.stringify(sink.selfSamples())).not.toContain(E2E_PASSWORD);
    await sink.stop();
  });

  it('a wrong password is refused (401): counted and retried, the alert stays queued', async () => {
    const sink = sinkFor(path.join(tlsDir, 'wrong-password'));
    await sink.start(new AbortController().signal);
    sink.send({ snapshot: { timestamp: Date.now(), samples: [] }, anomalies: [], alerts: [firing('E2EWrongPassword')], alertTransitions: [] });
    await until('two failed attempts', async () => sample(sink, 'vigil_alertmanager_errors_total') >= 2);
    expect(sample(sink, 'vigil_alertmanager_queue_length')).toBe(1);
    expect((await am!.alerts()).some((a) => a.labels.alertname === 'E2EWrongPassword')).toBe(false);
    await sink.stop();
  });
});
