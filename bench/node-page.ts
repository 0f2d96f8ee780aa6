// The node page: what serving it costs the agent. (1) CPU per request of each endpoint, in process,
// with 256 monitored series whose rings are full at the default size (2160 points, 6 h at 10 s) and
// 20 active alerts: the handler and JSON encoding, not HTTP framing. (2) Memory of the rings for 256
// series over 1 h (360 points) and at the default size, in a child process: ArrayBuffer bytes, and RSS
// against a control run that feeds the same ticks into 2-point rings. (3) The tick's duration in a real
// agent (1 s ticks) alone and with 50 open pages polling like the page does.
// Run alone: `node bench/node-page.ts` prints the section.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alert, AnomalyScore } from '../core/tick-output.ts';
import { tickOf } from '../core/tick-output.ts';
import { NodePageService } from '../web/node-page.ts';
import { nodePageOptions } from '../web/options.ts';
import { startAgent } from '../test/peers/agent.ts';
import { mb, ms, num, table, verdict } from './markdown.ts';
import type { BenchContext, BenchSection } from './section.ts';

const SERIES = 256;
const GOAL_RING_BYTES = 8e6;
const PAGES = 50;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function filledService(): { service: NodePageService; now: number; key: string } {
  const config = nodePageOptions.parse({});
  const service = new NodePageService(config, {
    nodeName: 'bench',
    version: 'bench',
    startedAt: 0,
    intervalMs: 10_000,
    detectorEnabled: true,
    hasRunbook: () => true,
  });
  const labels = Array.from({ length: SERIES }, (_, i) => Object.freeze({ device: `dev${i}` }));
  const alerts: Alert[] = Array.from({ length: 20 }, (_, i) => ({
    labels: { alertname: `BenchAlert${i}`, severity: 'warning', device: `dev${i}` },
    annotations: { summary: `Bench alert ${i}`, value: String(i) },
    state: 'firing',
    activeAt: 0,
    firedAt: 0,
    value: i,
    generatorURL: '',
  }));
  let now = 0;
  for (let t = 0; t < config.points; t++) {
    now = t * 10_000;
    const anomalies: AnomalyScore[] = labels.map((l, i) => ({
      metric: `node_series_${i % 16}`,
      labels: l,
      value: Math.sin(t / 10 + i),
      score: ((i * 7919 + t) % 1000) / 1000,
      anomalous: (i + t) % 97 === 0,
    }));
    service.update({ ...tickOf({ timestamp: now, samples: [] }), anomalies, alerts }, [], 0.01);
  }
  return { service, now, key: 'node_series_3{device="dev3"}' };
}

/** CPU (user + system) per call and response size, over enough calls to take ~0.5 s. */
function cpuPerRequest(run: () => string): { cpuMs: number; bytes: number } {
  let bytes = 0;
  for (let i = 0; i < 5; i++) bytes = run().length;
  let n = 0;
  const start = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < 500 || n < 20) {
    run();
    n++;
  }
  const used = process.cpuUsage(start);
  return { cpuMs: (used.user + used.system) / 1000 / n, bytes };
}

function ringMemory(points: number): { arrayBytes: number; rssBytes: number } {
  const run = (control: boolean): { rssBytes: number; arrayBufferBytes: number } => {
    const args = [
      '--expose-gc',
      '--max-semi-space-size=1',
      '--optimize-for-size',
      path.join(ROOT, 'bench/node-page-rss.ts'),
      String(SERIES),
      String(points),
      ...(control ? ['control'] : []),
    ];
    return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as { rssBytes: number; arrayBufferBytes: number };
  };
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const full: number[] = [];
  const control: number[] = [];
  let arrayBytes = 0;
  for (let i = 0; i < 3; i++) {
    const f = run(false);
    arrayBytes = f.arrayBufferBytes;
    full.push(f.rssBytes);
    control.push(run(true).rssBytes);
  }
  return { arrayBytes, rssBytes: median(full) - median(control) };
}

/** Mean tick duration (ms) over `ticks` ticks, from vigil_tick_duration_seconds on /metrics. */
async function meanTickMs(scrape: () => Promise<string>, ticks: number): Promise<number> {
  const read = async () => {
    const text = await scrape();
    const v = (name: string) =>
      Number(
        /^(\S+) (\S+)$/m.exec(
          text
            .split('\n')
            .filter((l) => l.startsWith(`${name} `))
            .join('\n'),
        )?.[2] ?? NaN,
      );
    return { sum: v('vigil_tick_duration_seconds_sum'), count: v('vigil_tick_duration_seconds_count') };
  };
  const a = await read();
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const b = await read();
    if (b.count - a.count >= ticks) return ((b.sum - a.sum) / (b.count - a.count)) * 1000;
  }
}

async function tickWithPages(log: (m: string) => void): Promise<{ alone: number; open: number; requests: number; failed: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-node-page-'));
  const agent = await startAgent({ interval: '1s', args: ['--state-dir', dir, '--log-level', 'warn'] });
  try {
    await meanTickMs(agent.scrape, 5);
    log('node page: tick duration with no page open');
    const alone = await meanTickMs(agent.scrape, 30);
    let stop = false;
    let requests = 0;
    let failed = 0;
    const page = async (offset: number) => {
      await new Promise((r) => setTimeout(r, offset));
      while (!stop) {
        const t0 = Date.now();
        const res = await Promise.all([fetch(`${agent.url}/api/v1/status`), fetch(`${agent.url}/api/v1/anomalies?limit=30&points=60`)]).catch(() => undefined);
        if (res === undefined || res.some((r) => !r.ok)) failed++;
        else await Promise.all(res.map((r) => r.arrayBuffer()));
        requests += 2;
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - t0))));
      }
    };
    const pages = Array.from({ length: PAGES }, (_, i) => page((i * 1000) / PAGES));
    log(`node page: tick duration with ${PAGES} pages polling`);
    const open = await meanTickMs(agent.scrape, 30);
    stop = true;
    await Promise.all(pages);
    return { alone, open, requests, failed };
  } finally {
    await agent.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const nodePageSection: BenchSection = {
  title: 'Node page',
  async run(ctx: BenchContext): Promise<string> {
    const { service, now, key } = filledService();
    const q = (p: string) => {
      const i = p.indexOf('?');
      return () => service.handle(i < 0 ? p : p.slice(0, i), i < 0 ? '' : p.slice(i + 1), now)!.body;
    };
    const endpoints = [
      '/',
      '/api/v1/status',
      '/api/v1/anomalies?limit=30&points=60',
      `/api/v1/anomalies?limit=${SERIES}&points=60`,
      `/api/v1/series?key=${encodeURIComponent(key)}&range=1h`,
      `/api/v1/series?key=${encodeURIComponent(key)}&range=6h`,
    ];
    const rows = endpoints.map((e) => {
      ctx.log(`node page: ${e}`);
      const r = cpuPerRequest(q(e));
      return [`\`${e.replace(/key=[^&]+/, 'key=…')}\``, ms(r.cpuMs), `${num(r.bytes / 1024)} KB`];
    });
    ctx.log('node page: ring memory');
    const hour = ringMemory(360);
    const dflt = ringMemory(nodePageOptions.parse({}).points);
    const ticks = await tickWithPages(ctx.log);
    return [
      `CPU per request (handler and JSON encoding, in process; HTTP framing not included), ${SERIES} monitored series, rings full at the default ${nodePageOptions.parse({}).points} points, 20 firing alerts:`,
      '',
      table(['endpoint', 'CPU per request', 'response'], rows),
      '',
      `Ring memory for ${SERIES} series (ArrayBuffer bytes exact; RSS as the median of 3 runs minus the median of 3 control runs, so it is noisy to about ±1 MB):`,
      '',
      table(
        ['rings', 'ArrayBuffer', 'RSS added', `under ${mb(GOAL_RING_BYTES)}`],
        [
          [
            `${SERIES} series × 360 points (1 h at 10 s)`,
            mb(hour.arrayBytes),
            mb(hour.rssBytes),
            verdict(Math.max(hour.arrayBytes, hour.rssBytes) < GOAL_RING_BYTES),
          ],
          [`${SERIES} series × 2160 points (default, 6 h at 10 s)`, mb(dflt.arrayBytes), mb(dflt.rssBytes), '(no goal)'],
        ],
      ),
      '',
      `Tick duration of a real agent on this host (1 s ticks, 30 ticks each), alone and with ${PAGES} pages open, each polling /api/v1/status and /api/v1/anomalies once a second as the page does (${ticks.requests} requests, ${ticks.failed} failed polls):`,
      '',
      table(
        ['', 'mean tick'],
        [
          ['no page open', ms(ticks.alone)],
          [`${PAGES} pages open`, ms(ticks.open)],
        ],
      ),
    ].join('\n');
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await nodePageSection.run({ log: (m) => process.stderr.write(`${m}\n`), root: ROOT, vigil: undefined as never })}\n`);
}
