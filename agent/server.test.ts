// The HTTP server under a scrape storm, on real sockets: scrapes of one tick share one build of the
// /metrics text (gzipped once too), requests beyond web.maxRequests get a fast 503 with Retry-After
// (kubelet's probes never do), connections beyond web.maxConnections are closed at accept.
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { gauge } from '../core/samples.ts';
import { tickOf } from '../core/tick-output.ts';
import { MetricCatalog } from '../sinks/prometheus/metric-catalog.ts';
import { PrometheusSink, SCRAPE_TEXT_MAX_AGE_MS } from '../sinks/prometheus/prometheus-sink.ts';
import { until } from '../test/peers/child.ts';
import { AgentServer, RETRY_AFTER_SECONDS, type ServerDeps, type ServerLimits } from './server.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One request on a connection of its own (an agent per request: every scrape is a new client). */
function get(port: number, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: false });
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

let clock = 0;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function start(limits: ServerLimits, extra: Partial<ServerDeps> = {}) {
  clock = 0;
  const sink = new PrometheusSink(new MetricCatalog([{ name: 'node_load1', help: '1m load average.', kind: 'gauge', labels: [] }]), Date.now(), {
    now: () => clock,
  });
  const provider = new MeterProvider({ readers: [sink.exporter] });
  const histogram = provider.getMeter('vigil').createHistogram('vigil_tick_duration_seconds');
  const server = new AgentServer({ prometheus: sink, ready: () => true, logger: pino({ level: 'silent' }), limits, ...extra });
  await server.listen('127.0.0.1:0');
  stops.push(async () => {
    await server.close();
    await provider.shutdown();
  });
  const port = server.address!.port;
  return { sink, server, port, histogram, metrics: () => get(port, '/metrics') };
}

const storm = (n: number, go: () => Promise<Answer>) => Promise.all(Array.from({ length: n }, go));
const value = (samples: ReturnType<AgentServer['samples']>, name: string) => samples.find((s) => s.name === name)?.value;

describe('AgentServer under a scrape storm', () => {
  it('builds the /metrics text once for concurrent scrapes of one tick, again only for a new tick or when maxAge passed', async () => {
    const { sink, histogram, metrics } = await start({ maxConnections: 0, maxRequests: 0 });
    sink.send(tickOf({ timestamp: Date.now(), samples: [gauge('node_load1', {}, 1)] }));
    histogram.record(0.5);

    const first = await storm(30, metrics);
    expect(first.every((a) => a.status === 200)).toBe(true);
    expect(new Set(first.map((a) => a.body.toString())).size).toBe(1);
    expect(sink.builds).toBe(1);
    expect(first[0]!.body.toString()).toMatch(/^node_load1 1$/m);

    // Still the same tick and younger than maxAge: served from the cache, even what the SDK measured since.
    histogram.record(0.5);
    await storm(30, metrics);
    expect(sink.builds).toBe(1);
    expect((await metrics()).body.toString()).toMatch(/^vigil_tick_duration_seconds_count 1$/m);

    // The live instruments are read again once the text is maxAge old: one more build for all of them.
    clock += SCRAPE_TEXT_MAX_AGE_MS;
    const later = await storm(30, metrics);
    expect(sink.builds).toBe(2);
    expect(new Set(later.map((a) => a.body.toString())).size).toBe(1);
    expect(later[0]!.body.toString()).toMatch(/^vigil_tick_duration_seconds_count 2$/m);

    // A new tick: one build, its values.
    sink.send(tickOf({ timestamp: Date.now(), samples: [gauge('node_load1', {}, 7)] }));
    const next = await storm(30, metrics);
    expect(sink.builds).toBe(3);
    expect(next.every((a) => /^node_load1 7$/m.test(a.body.toString()))).toBe(true);
    expect(sink.selfSamples()).toEqual([expect.objectContaining({ name: 'vigil_scrape_cache_builds_total', value: 3 })]);
  });

  it('serves the same text gzipped to clients that accept gzip, compressed once per build', async () => {
    const { sink, port, metrics } = await start({ maxConnections: 0, maxRequests: 0 });
    sink.send(tickOf({ timestamp: Date.now(), samples: [gauge('node_load1', {}, 2)] }));
    const plain = await metrics();
    const zipped = await storm(10, () => get(port, '/metrics', { headers: { 'accept-encoding': 'gzip' } }));
    for (const a of zipped) {
      expect(a.headers['content-encoding']).toBe('gzip');
      expect(a.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(gunzipSync(a.body).equals(plain.body)).toBe(true);
    }
    expect(new Set(zipped.map((a) => a.body.toString('base64'))).size).toBe(1);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect((await get(port, '/metrics', { headers: { 'accept-encoding': 'gzip;q=0, identity' } })).headers['content-encoding']).toBeUndefined();
    expect(sink.builds).toBe(1);
  });

  it('answers 503 with Retry-After beyond maxRequests in flight, never to the probes, and admits again once they finish', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let reloads = 0;
    const { server, port, sink } = await start(
      { maxConnections: 0, maxRequests: 3 },
      {
        reload: async () => {
          reloads++;
          await gate;
          return { ok: true };
        },
      },
    );
    sink.send(tickOf({ timestamp: Date.now(), samples: [gauge('node_load1', {}, 1)] }));
    // Three requests held in flight by a reload that waits.
    const held = [1, 2, 3].map(() => get(port, '/-/reload', { method: 'POST' }));
    await until('three requests in flight', () => reloads === 3);

    const refused = await storm(5, () => get(port, '/metrics'));
    for (const a of refused) {
      expect(a.status).toBe(503);
      expect(a.headers['retry-after']).toBe(String(RETRY_AFTER_SECONDS));
    }
    for (const probe of ['/healthz', '/readyz', '/-/healthy', '/-/ready']) expect((await get(port, probe)).status).toBe(200);
    expect(value(server.samples(), 'vigil_http_requests_limited_total')).toBe(5);

    release();
    expect((await Promise.all(held)).map((a) => a.status)).toEqual([200, 200, 200]);
    await until('requests admitted again', async () => (await get(port, '/metrics')).status === 200);
    expect(value(server.samples(), 'vigil_http_requests_limited_total')).toBe(5);
  });

  it('closes connections beyond maxConnections at accept; open ones keep working', async () => {
    const { server, port } = await start({ maxConnections: 2, maxRequests: 0 });
    const open = (): Promise<Socket> =>
      new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      });
    /** One keep-alive request on a raw socket; resolves with the status line. */
    const ask = (s: Socket): Promise<string> =>
      new Promise((resolve) => {
        s.once('data', (d: Buffer) => resolve(d.toString('latin1').split('\r\n')[0]!));
        s.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      });
    const a = await open();
    const b = await open();
    // Answered: the server has accepted both.
    expect(await ask(a)).toBe('HTTP/1.1 200 OK');
    expect(await ask(b)).toBe('HTTP/1.1 200 OK');

    const c = await open();
    c.on('error', () => undefined);
    await new Promise<void>((resolve) => c.once('close', () => resolve()));
    expect(value(server.samples(), 'vigil_http_connections_dropped_total')).toBe(1);
    expect(await ask(a)).toBe('HTTP/1.1 200 OK');

    a.destroy();
    await until('a connection slot free again', async () => (await get(port, '/healthz').catch(() => undefined))?.status === 200);
    b.destroy();
  });
});
