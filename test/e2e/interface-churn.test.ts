// Interface churn on a real kernel: a network namespace where pods' interfaces (veth pairs named as
// Kubernetes CNIs name them) are created and deleted every tick. The agent reads that namespace's
// /proc/net/dev (a host tree whose net/ is the namespace's) and must keep scoring its warm series
// throughout, never monitor the short-lived ones, and give a new stable interface a slot at once.
// Needs root and `ip netns` (iproute2); skipped with a message otherwise.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { parsePromText, type PromSample } from '../peers/prom-text.ts';

const NS = `vigil-churn-${process.pid}`;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function netnsUsable(): boolean {
  if (process.getuid?.() !== 0) return false;
  try {
    ip('netns', 'add', `${NS}-probe`);
    ip('netns', 'del', `${NS}-probe`);
    return true;
  } catch {
    return false;
  }
}

const usable = netnsUsable();
if (!usable) console.warn('interface churn test skipped: needs root and `ip netns`');

describe.skipIf(!usable)('detector series under real interface churn', () => {
  let dir = '';
  let sleeper: ChildProcess | undefined;
  let agent: AgentPeer | undefined;

  beforeAll(async () => {
    ip('netns', 'add', NS);
    ip('-n', NS, 'link', 'add', 'eth9', 'type', 'veth', 'peer', 'name', 'eth8');
    // A process inside the namespace: its /proc/<pid>/net is the namespace's network view.
    sleeper = spawn('ip', ['netns', 'exec', NS, 'sleep', '600'], { stdio: 'ignore' });
    await until('the namespace process', () => {
      try {
        return execFileSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).trim().split('\n')[0] || undefined;
      } catch {
        return undefined;
      }
    });
    const pid = execFileSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).trim().split('\n')[0]!;
    // The host tree: the real /proc, except net/ from the namespace.
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-churn-'));
    const proc = path.join(dir, 'proc');
    mkdirSync(proc);
    for (const entry of ['stat', 'meminfo', 'diskstats', 'loadavg', 'pressure', 'sys', '1']) symlinkSync(path.join('/proc', entry), path.join(proc, entry));
    symlinkSync(path.join('/proc', pid, 'net'), path.join(proc, 'net'));
    const config = path.join(dir, 'vigil.yml');
    writeFileSync(config, [`stateDir: ${path.join(dir, 'state')}`, 'detector:', '  warmup: 5', ''].join('\n'));
    agent = await startAgent({ interval: '200ms', args: ['-c', config, `--path.procfs=${proc}`] });
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    sleeper?.kill('SIGKILL');
    try {
      ip('netns', 'del', NS);
    } catch {
      // already gone
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const scrape = async () => parsePromText(await agent!.scrape());
  const scored = (samples: readonly PromSample[] | undefined): string[] =>
    (samples ?? []).filter((s) => s.labels.metric === 'node_network_receive_bytes_per_second').map((s) => s.labels.device ?? '(total)');
  const ticks = async () => (await scrape()).families.get('vigil_ticks_total')?.samples[0]?.value ?? 0;
  /** Series the detector holds this tick, warm or warming up. */
  const held = (e: Awaited<ReturnType<typeof scrape>>): number => (e.families.get('vigil_detector_series')?.samples ?? []).reduce((n, x) => n + x.value, 0);

  it('keeps scoring the warm interfaces, never takes the pods', async () => {
    await until('eth9 and the node total scored', async () => {
      const s = scored((await scrape()).families.get('vigil_anomaly_score')?.samples);
      return s.includes('eth9') && s.includes('(total)') ? s : undefined;
    });
    const baseline = held(await scrape());
    // Churn: every tick a few pod interfaces come, older ones go (about 12 alive at once).
    let n = 0;
    for (let round = 0; round < 25; round++) {
      for (let k = 0; k < 3; k++, n++) ip('-n', NS, 'link', 'add', `veth${n}a`, 'type', 'veth', 'peer', 'name', `cali${n}b`);
      if (n > 12) for (let k = n - 15; k < n - 12; k++) if (k >= 0) ip('-n', NS, 'link', 'del', `veth${k}a`);
      const before = await ticks();
      await until('a tick', async () => (await ticks()) > before);
      const e = await scrape();
      const s = scored(e.families.get('vigil_anomaly_score')?.samples);
      expect(s, `round ${round}`).toEqual(expect.arrayContaining(['eth9', 'eth8', '(total)']));
      expect(
        s.filter((d) => /^(veth|cali)/.test(d)),
        `round ${round}`,
      ).toEqual([]);
      // The pods take no slot at all: the detector holds the same series as before the churn.
      expect(held(e), `round ${round}`).toBe(baseline);
      expect(e.families.get('vigil_detector_series_dropped')?.samples[0]?.value).toBe(0);
    }
  }, 90_000);

  it('gives a new stable interface a slot within a tick once it has a rate, and scores it after warm-up', async () => {
    ip('-n', NS, 'link', 'add', 'eth7', 'type', 'veth', 'peer', 'name', 'eth6');
    let scoredNow: string[] = [];
    let diagnostics = '';
    const timer = setInterval(() => {
      void scrape().then((e) => {
        scoredNow = scored(e.families.get('vigil_anomaly_score')?.samples);
        diagnostics = ['vigil_detector_series', 'vigil_detector_series_dropped', 'vigil_ticks_total']
          .map((n) => `${n} ${JSON.stringify(e.families.get(n)?.samples.map((x) => [x.labels, x.value]))}`)
          .join('; ');
      });
    }, 1000);
    onTestFinished(() => clearInterval(timer));
    await until('eth7 scored', async () => (scored((await scrape()).families.get('vigil_anomaly_score')?.samples).includes('eth7') ? true : undefined), {
      timeoutMs: 45_000,
      context: () => `scored: ${JSON.stringify(scoredNow)}; ${diagnostics}`,
    });
    expect((await scrape()).families.get('vigil_detector_series_dropped')?.samples[0]?.value).toBe(0);
  }, 60_000);
});
