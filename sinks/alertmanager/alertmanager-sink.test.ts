// The sink against Alertmanagers that fail: a local HTTP server answering 500 or never answering.
// (The real Alertmanager is exercised in test/e2e/alerting.test.ts.)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, TickOutput } from '../../core/tick-output.ts';
import { alertmanagerSinkOptions } from './options.ts';
import { AlertmanagerSink } from './alertmanager-sink.ts';
import { alertsUrl, displayUrl } from './client.ts';
import { DeliveryQueue } from './delivery-queue.ts';
import type { PostableAlert } from './resend.ts';

const logger = pino({ level: 'silent' });

interface FakeAm {
  readonly url: string;
  readonly bodies: PostableAlert[][];
  readonly headers: IncomingMessage['headers'][];
  mode: 'ok' | 'fail' | 'hang';
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function fakeAm(mode: FakeAm['mode']): Promise<FakeAm> {
  const am: FakeAm = { url: '', bodies: [], headers: [], mode, close: async () => undefined };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (am.mode === 'hang') return;
      if (am.mode === 'fail') {
        res.writeHead(500).end('boom');
        return;
      }
      am.headers.push(req.headers);
      am.bodies.push(JSON.parse(body) as PostableAlert[]);
      res.writeHead(200).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(am, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
}

const firing = (name: string, activeAt = 0): Alert => ({
  labels: { alertname: name, node: 'n1' },
  annotations: { runbook_url: `http://n1/runbooks/${name}` },
  state: 'firing',
  activeAt,
  firedAt: activeAt,
  value: 1,
  generatorURL: 'http://n1/graph',
});

const tick = (alerts: Alert[], timestamp: number): TickOutput => ({ snapshot: { timestamp, samples: [] }, anomalies: [], alerts, alertTransitions: [] });

function config(urls: string[], extra: Record<string, unknown> = {}) {
  return alertmanagerSinkOptions.parse({ alertmanagers: urls.map((url) => ({ url, timeout: '300ms', ...extra })), resendDelay: '1s' });
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

const metric = (sink: AlertmanagerSink, name: string, url: string) =>
  sink.selfSamples().find((s) => s.name === name && s.labels.alertmanager === displayUrl(alertsUrl(url)))?.value;

describe('alertmanager sink', () => {
  it('posts to /api/v2/alerts of every Alertmanager, in batches of at most 64', async () => {
    const [a, b] = [await fakeAm('ok'), await fakeAm('ok')];
    const sink = new AlertmanagerSink(config([a.url, b.url]), { logger, evaluationIntervalMs: 1000 });
    await sink.start(new AbortController().signal);
    sink.send(
      tick(
        Array.from({ length: 100 }, (_, i) => firing(`A${i}`)),
        Date.now(),
      ),
    );
    await until(() => a.bodies.flat().length === 100 && b.bodies.flat().length === 100);
    // The server has the bodies before the sink has read the responses and counted them.
    await until(() => metric(sink, 'vigil_alertmanager_sent_total', a.url) === 100 && metric(sink, 'vigil_alertmanager_queue_length', b.url) === 0);
    expect(a.bodies.map((x) => x.length)).toEqual([64, 36]);
    expect(a.headers[0]!['content-type']).toBe('application/json');
    expect(metric(sink, 'vigil_alertmanager_sent_total', a.url)).toBe(100);
    expect(metric(sink, 'vigil_alertmanager_queue_length', b.url)).toBe(0);
    await sink.stop();
  });

  it('an Alertmanager answering 500 is counted and retried with backoff; nothing is lost when it recovers', async () => {
    const am = await fakeAm('fail');
    const sink = new AlertmanagerSink(config([am.url]), { logger, evaluationIntervalMs: 1000 }, { queue: { backoffInitialMs: 50, backoffMaxMs: 200 } });
    await sink.start(new AbortController().signal);
    sink.send(tick([firing('A')], Date.now()));
    await until(() => (metric(sink, 'vigil_alertmanager_errors_total', am.url) ?? 0) >= 3);
    expect(metric(sink, 'vigil_alertmanager_queue_length', am.url)).toBe(1);
    am.mode = 'ok';
    await until(() => am.bodies.length === 1);
    expect(am.bodies[0]!.map((x) => x.labels.alertname)).toEqual(['A']);
    expect(metric(sink, 'vigil_alertmanager_dropped_total', am.url)).toBe(0);
    await sink.stop();
  });

  it('a hanging Alertmanager times out, is counted, and never blocks send()', async () => {
    const am = await fakeAm('hang');
    const sink = new AlertmanagerSink(config([am.url]), { logger, evaluationIntervalMs: 1000 }, { queue: { backoffInitialMs: 50, backoffMaxMs: 100 } });
    await sink.start(new AbortController().signal);
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) sink.send(tick([firing('A', i * 10_000)], Date.now() + i));
    // send() only queues: 50 calls take far less than a single request timeout (300 ms).
    expect(performance.now() - t0).toBeLessThan(100);
    await until(() => (metric(sink, 'vigil_alertmanager_errors_total', am.url) ?? 0) >= 2, 5000);
    const stopped = performance.now();
    await sink.stop();
    // stop() flushes within its own deadline even though the Alertmanager never answers.
    expect(performance.now() - stopped).toBeLessThan(3000);
  });

  it('credentials come from files, sent as headers, never in the metric label', async () => {
    const am = await fakeAm('ok');
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/vigil-am-`);
    await writeFile(`${dir}/token`, 's3cret-token\n');
    const sink = new AlertmanagerSink(config([am.url], { bearerTokenFile: `${dir}/token` }), { logger, evaluationIntervalMs: 1000 });
    await sink.start(new AbortController().signal);
    sink.send(tick([firing('A')], Date.now()));
    await until(() => am.bodies.length === 1);
    expect(am.headers[0]!.authorization).toBe('Bearer s3cret-token');
    expect(JSON.stringify(sink.selfSamples())).not.toContain('s3cret');
    await sink.stop();
    await rm(dir, { recursive: true, force: true });
  });
});

describe('delivery queue', () => {
  it('drops the oldest alerts beyond capacity and counts them', async () => {
    const posted: string[] = [];
    const q = new DeliveryQueue({ name: 'x', post: async (body) => void posted.push(body) }, { capacity: 3, backoffInitialMs: 10, backoffMaxMs: 10 }, logger);
    const a = (n: string): PostableAlert => ({ labels: { alertname: n }, annotations: {}, startsAt: '', endsAt: '', generatorURL: '' });
    q.push([a('1'), a('2'), a('3'), a('4'), a('5')]);
    expect(q.dropped).toBe(2);
    expect(q.length).toBe(3);
    q.start();
    await until(() => q.length === 0);
    expect((JSON.parse(posted[0]!) as PostableAlert[]).map((x) => x.labels.alertname)).toEqual(['3', '4', '5']);
    await q.stop(Date.now() + 100);
  });
});
