// Runbook page views, end to end: the real agent serves a runbook, headless Chromium opens it, the
// inlined Grafana Faro core sends `runbook_view` to the agent's /faro/collect under the page's strict
// CSP, and the agent's /metrics counts the view. Unknown alert names sent by hand are not counted.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';

const CHROMIUM_BIN = process.env.VIGIL_TEST_CHROMIUM ?? '/usr/bin/chromium';
const ALERT = 'NodeFilesystemAlmostOutOfSpace';

let agent: AgentPeer | undefined;
let browser: Browser | undefined;
let dir = '';

/** The value of one series on /metrics, or undefined while it is absent. */
async function seriesValue(series: string): Promise<number | undefined> {
  const line = (await agent!.scrape()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1).split(' ')[0]);
}

/** Polls until `check` returns a value other than undefined (the counter reaches /metrics on the next tick). */

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-runbook-views-'));
  const off = { enabled: false };
  // Only what serves runbooks: no collectors, no detector; the alerting stage is always there.
  const config = {
    stateDir: path.join(dir, 'state'),
    collectors: { cpu: off, stat: off, meminfo: off, filesystem: off, diskstats: off, netdev: off, pressure: off, uname: off, os: off, time: off },
    detector: { enabled: false },
  };
  await writeFile(path.join(dir, 'vigil.yml'), JSON.stringify(config));
  agent = await startAgent({ interval: '500ms', args: ['--config', path.join(dir, 'vigil.yml')] });
  browser = await chromium.launch({
    executablePath: CHROMIUM_BIN,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await agent?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('runbook page views', () => {
  it('opening a runbook in Chromium counts one view of that alert, with no console errors and no other request', async () => {
    const series = `vigil_runbook_views_total{alertname="${ALERT}"}`;
    expect(await until('the counter at 0', () => seriesValue(series))).toBe(0);

    const context = await browser!.newContext();
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('request', (req) => requests.push(`${req.method()} ${req.url()}`));
      const collected = page.waitForResponse((res) => res.url() === `${agent!.url}/faro/collect`, { timeout: 10_000 }).catch(() => undefined);
      await page.goto(`${agent!.url}/runbooks/${ALERT}`, { waitUntil: 'load' });
      expect(await page.locator('h1').allTextContents()).toEqual([ALERT]);
      const response = await collected;
      // A blocked script or connection is a console error: show it rather than a missing response.
      expect(problems, 'console (CSP violations are reported here)').toEqual([]);
      expect(response?.status(), 'POST /faro/collect').toBe(204);

      expect(await until('the view on /metrics', async () => ((await seriesValue(series)) === 1 ? 1 : undefined))).toBe(1);
      // Let a late duplicate show itself before checking that there is none.
      await sleep(1500);
      expect(await seriesValue(series)).toBe(1);
      expect(await seriesValue('vigil_runbook_views_total{alertname="PostgresDown"}')).toBe(0);
      expect(problems, 'console (CSP violations are reported here)').toEqual([]);
      expect(requests).toEqual([`GET ${agent!.url}/runbooks/${ALERT}`, `POST ${agent!.url}/faro/collect`]);
    } finally {
      await context.close();
    }
  });

  it('a payload naming an alert without a runbook is taken (204) but never becomes a label', async () => {
    const body = { meta: {}, events: [{ name: 'runbook_view', attributes: { alertname: 'NoSuchAlert' }, timestamp: new Date().toISOString() }] };
    const res = await fetch(`${agent!.url}/faro/collect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(204);
    await sleep(1500);
    const text = await agent!.scrape();
    expect(text).toContain('vigil_runbook_views_total{alertname="PostgresDown"} 0');
    expect(text).not.toContain('NoSuchAlert');
  });
});
