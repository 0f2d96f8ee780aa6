// Runbook views: the counting (RunbookViews) and POST /faro/collect on the agent's real HTTP server.
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentServer } from '../../agent/server.ts';
import { MetricCatalog } from '../../sinks/prometheus/metric-catalog.ts';
import { PrometheusSink } from '../../sinks/prometheus/prometheus-sink.ts';
import { FARO_COLLECT_MAX_BYTES, RUNBOOK_VIEW_METRICS, RunbookViews } from './views.ts';

const view = (alertname: unknown, name = 'runbook_view') => ({ name, domain: 'browser', attributes: { alertname }, timestamp: '2026-11-23T14:00:00.000Z' });
const payload = (...events: unknown[]) => ({ meta: { app: { name: 'vigil-runbooks' } }, events });
const counts = (v: RunbookViews) => Object.fromEntries(v.samples().map((s) => [s.labels.alertname, s.value]));

describe('RunbookViews', () => {
  it('exports every runbook from 0 as the declared counter', () => {
    const v = new RunbookViews(['PostgresDown', 'NodeCPUHighUsage']);
    expect(v.samples()).toEqual([
      { name: 'vigil_runbook_views_total', labels: { alertname: 'PostgresDown' }, value: 0, kind: 'counter' },
      { name: 'vigil_runbook_views_total', labels: { alertname: 'NodeCPUHighUsage' }, value: 0, kind: 'counter' },
    ]);
    expect(RUNBOOK_VIEW_METRICS).toEqual([expect.objectContaining({ name: 'vigil_runbook_views_total', kind: 'counter', labels: ['alertname'] })]);
  });

  it('counts runbook_view events of alerts that have a runbook', () => {
    const v = new RunbookViews(['PostgresDown', 'NodeCPUHighUsage']);
    expect(v.collect(payload(view('PostgresDown')))).toBe(true);
    expect(v.collect(payload(view('PostgresDown')))).toBe(true);
    expect(v.collect(payload(view('NodeCPUHighUsage')))).toBe(true);
    expect(counts(v)).toEqual({ PostgresDown: 2, NodeCPUHighUsage: 1 });
  });

  it('ignores unknown alert names, other events and malformed events, without minting labels', () => {
    const v = new RunbookViews(['PostgresDown']);
    expect(v.collect(payload(view('NoSuchAlert'), view('<script>'), view(42), view('PostgresDown', 'click'), 'x', null, { name: 'runbook_view' }))).toBe(true);
    expect(v.collect({ meta: {}, logs: [{ message: 'hi' }] })).toBe(true);
    expect(v.samples().map((s) => s.labels.alertname)).toEqual(['PostgresDown']);
    expect(counts(v)).toEqual({ PostgresDown: 0 });
  });

  it('counts an alert at most once per payload', () => {
    const v = new RunbookViews(['PostgresDown']);
    expect(v.collect(payload(...Array.from({ length: 500 }, () => view('PostgresDown'))))).toBe(true);
    expect(counts(v)).toEqual({ PostgresDown: 1 });
  });

  it('rejects what is not a Faro payload', () => {
    const v = new RunbookViews(['PostgresDown']);
    for (const body of [null, 'runbook_view', 3, [view('PostgresDown')], { events: 'PostgresDown' }]) expect(v.collect(body), JSON.stringify(body)).toBe(false);
    expect(counts(v)).toEqual({ PostgresDown: 0 });
  });
});

describe('POST /faro/collect', () => {
  const views = new RunbookViews(['PostgresDown']);
  const server = new AgentServer({
    prometheus: new PrometheusSink(new MetricCatalog(RUNBOOK_VIEW_METRICS), Date.now()),
    ready: () => true,
    logger: pino({ level: 'silent' }),
    faroCollect: (body) => views.collect(body),
  });
  let base = '';
  beforeAll(async () => {
    await server.listen('127.0.0.1:0');
    base = `http://127.0.0.1:${server.address!.port}`;
  });
  afterAll(() => server.close());

  const post = (body: string | Uint8Array, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${base}/faro/collect`, { method: 'POST', body, headers });

  it('answers 204 and counts a runbook view', async () => {
    const before = counts(views).PostgresDown!;
    const res = await post(JSON.stringify(payload(view('PostgresDown'))));
    expect(res.status).toBe(204);
    expect(counts(views).PostgresDown).toBe(before + 1);
  });

  it('answers 204 and counts nothing for an unknown alert name', async () => {
    const before = counts(views);
    const res = await post(JSON.stringify(payload(view('NoSuchAlert'))));
    expect(res.status).toBe(204);
    expect(counts(views)).toEqual(before);
  });

  it('answers 400 to a body that is not JSON, or not a Faro payload', async () => {
    const before = counts(views);
    const bad = await post('{"events": [');
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/not JSON/);
    const notFaro = await post('[1,2]');
    expect(notFaro.status).toBe(400);
    expect(counts(views)).toEqual(before);
  });

  it('answers 413 to a body over 64 KB, whether declared or streamed, and counts nothing', async () => {
    const before = counts(views);
    const padding = 'x'.repeat(FARO_COLLECT_MAX_BYTES);
    const big = JSON.stringify({ ...payload(view('PostgresDown')), padding });
    const declared = await post(big);
    expect(declared.status).toBe(413);
    // Without a content-length (chunked), the limit is enforced while reading.
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const chunked = await fetch(`${base}/faro/collect`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(counts(views)).toEqual(before);
    // Exactly at the limit is still taken.
    const fits = JSON.stringify(payload(view('PostgresDown')));
    const atLimit = fits.slice(0, -1) + ' '.repeat(FARO_COLLECT_MAX_BYTES - fits.length) + '}';
    expect(Buffer.byteLength(atLimit)).toBe(FARO_COLLECT_MAX_BYTES);
    expect((await post(atLimit)).status).toBe(204);
  });

  it('takes only POST there', async () => {
    const res = await fetch(`${base}/faro/collect`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});
