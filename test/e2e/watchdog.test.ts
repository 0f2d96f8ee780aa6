// The per-node dead man's switch with the real Alertmanager and the shipped alertmanager.yml: two agents
// (nodes a and b) fire VigilWatchdog; the heartbeat route delivers one heartbeat per node to a capture
// receiver. SIGSTOP node a's agent: its heartbeat stops (its alert expires 4 resend delays after the
// last send) while node b's goes on; SIGCONT: node a's heartbeat resumes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { alertmanagerConfigFor } from '../../alerts/alertmanager/testing/config-for-test.ts';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { type AlertmanagerPeer, startAlertmanager } from '../peers/alertmanager.ts';
import { settleAll, tail, until } from '../peers/child.ts';

/** Heartbeat route timers in the test (shipped: 1m); the agents' resend delay and evaluation interval. */
const HEARTBEAT_INTERVAL_S = 1;
const RESEND_DELAY_S = 1;
/** Alertmanager keeps an alert 4 resend delays after the agent's last send (Prometheus' rule). */
const VALID_FOR_S = 4 * RESEND_DELAY_S;

interface Heartbeat {
  readonly node: string;
  readonly at: number;
  readonly receiver: string;
  readonly alertname: string;
  readonly status: string;
}

describe('VigilWatchdog: a per-node heartbeat through the real Alertmanager', () => {
  const heartbeats: Heartbeat[] = [];
  let server: Server | undefined;
  let am: AlertmanagerPeer | undefined;
  const agents: Record<string, AgentPeer | undefined> = {};
  let dir = '';

  const of = (node: string, after = 0): Heartbeat[] => heartbeats.filter((h) => h.node === node && h.at > after);
  const context = (): string => `heartbeats: ${JSON.stringify(heartbeats.slice(-20))}\nalertmanager:\n${tail(am?.stderr() ?? '', 20)}`;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-watchdog-'));
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (d: string) => (body += d));
      req.on('end', () => {
        const msg = JSON.parse(body) as { receiver: string; status: string; groupLabels: Record<string, string>; alerts: { labels: Record<string, string> }[] };
        for (const a of msg.alerts)
          heartbeats.push({
            node: msg.groupLabels.node ?? '',
            at: Date.now(),
            receiver: msg.receiver,
            alertname: a.labels.alertname ?? '',
            status: msg.status,
          });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    am = await startAlertmanager({
      config: alertmanagerConfigFor({
        slackUrlFile: path.join(dir, 'unused-slack-url'),
        pagerdutyKeyFile: path.join(dir, 'unused-pagerduty-key'),
        pagerdutyUrl: `http://127.0.0.1:${port}/v2/enqueue`,
        heartbeatUrl: `http://127.0.0.1:${port}/heartbeat`,
        heartbeatInterval: `${HEARTBEAT_INTERVAL_S}s`,
      }),
    });
    writeFileSync(path.join(dir, 'unused-slack-url'), `http://127.0.0.1:${port}/slack\n`);
    writeFileSync(path.join(dir, 'unused-pagerduty-key'), 'unused\n');
    const start = (node: string) => {
      const config = path.join(dir, `${node}.yml`);
      writeFileSync(
        config,
        stringify({
          stateDir: path.join(dir, `state-${node}`),
          nodeName: node,
          detector: { enabled: false },
          alerting: { evaluationInterval: '1s', resendDelay: `${RESEND_DELAY_S}s`, alertmanagers: [{ url: am!.url }] },
        }),
      );
      return startAgent({ interval: '1s', args: ['--config', config] }).then((p) => (agents[node] = p));
    };
    await settleAll([start('node-a'), start('node-b')]);
  });

  afterAll(async () => {
    // A stopped process must be continued before it can act on SIGTERM.
    if (agents['node-a'] !== undefined && agents['node-a'].exit === undefined) process.kill(agents['node-a'].pid, 'SIGCONT');
    await Promise.all([agents['node-a']?.stop(), agents['node-b']?.stop()]);
    await am?.stop();
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers a heartbeat per node to the heartbeat receiver, and stops and resumes node a's with SIGSTOP/SIGCONT", async () => {
    await until('two heartbeats from each node', () => of('node-a').length >= 2 && of('node-b').length >= 2, { timeoutMs: 30_000, context });
    for (const h of heartbeats) expect(h).toMatchObject({ receiver: 'heartbeat', alertname: 'VigilWatchdog', status: 'firing' });

    const stoppedAt = Date.now();
    process.kill(agents['node-a']!.pid, 'SIGSTOP');
    // Alertmanager lets node a's alert expire (no more re-sends) …
    await until(
      "node a's VigilWatchdog to expire in Alertmanager",
      async () => !(await am!.alerts()).some((a) => a.labels.alertname === 'VigilWatchdog' && a.labels.node === 'node-a'),
      { timeoutMs: 30_000, context },
    );
    // … and its heartbeat stops: nothing from node a later than its alert's validity plus one heartbeat
    // interval (and a second for delivery), while node b's heartbeats keep coming for several intervals.
    const cutoff = stoppedAt + (VALID_FOR_S + HEARTBEAT_INTERVAL_S + 1) * 1000;
    await until('four heartbeats from node b after the cutoff', () => of('node-b', cutoff).length >= 4, { timeoutMs: 30_000, context });
    expect(of('node-a', cutoff), "node a's heartbeats after its agent was stopped").toEqual([]);

    const continuedAt = Date.now();
    process.kill(agents['node-a']!.pid, 'SIGCONT');
    await until("node a's heartbeat to resume", () => of('node-a', continuedAt).length >= 1, { timeoutMs: 30_000, context });
  });
});
