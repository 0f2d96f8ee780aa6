// Agent.reload in process: what it rebuilds and what it keeps, and that reloads leave no timer, socket
// or other handle behind (process.getActiveResourcesInfo before and after 40 reloads that each rebuild
// the rules and the Alertmanager sink). The interval is long: only the first tick runs, so no tick's own
// timers and reads are counted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent } from './agent.ts';
import { type Config, defaultConfig } from './config.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function baseConfig(): Config {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-agent-reload-'));
  dirs.push(dir);
  const c = defaultConfig();
  return { ...c, listen: '127.0.0.1:0', interval: '1h', stateDir: dir, detector: { ...c.detector, enabled: false } };
}

const handles = (): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
};

describe('Agent.reload', () => {
  it('rebuilds what changed, keeps the rest, and leaks no timers or sockets', async () => {
    const base = baseConfig();
    let next: Config = base;
    const created = await Agent.create({ config: base, logger: pino({ level: 'silent' }), reloadConfig: async () => ({ ok: true, config: next }) });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const agent = created.agent;
    await agent.start();
    try {
      // A first reload that changes everything once, so that lazily made handles exist before counting.
      const variant = (i: number): Config => ({
        ...base,
        alerting: {
          ...base.alerting,
          evaluationInterval: i % 2 === 0 ? '1s' : '2s',
          alertmanagers: [{ url: `http://127.0.0.1:${9 + (i % 2)}`, timeout: '1s' }],
          resendDelay: '1m',
        },
      });
      next = variant(1);
      expect(await agent.reload()).toEqual({ ok: true });
      const before = handles();
      for (let i = 0; i < 40; i++) {
        next = variant(i);
        expect(await agent.reload()).toEqual({ ok: true });
      }
      next = variant(1);
      expect(await agent.reload()).toEqual({ ok: true });
      expect(handles()).toEqual(before);
      // Concurrent requests share reloads: 50 at once cost at most two.
      const results = await Promise.all(Array.from({ length: 50 }, () => agent.reload()));
      expect(new Set(results).size).toBeLessThanOrEqual(2);
      expect(handles()).toEqual(before);
    } finally {
      await agent.stop(2000);
    }
  });

  it('rebuilds the detector when its settings change; the new one restores the series state the old one saved', async () => {
    const base = { ...baseConfig(), interval: '100ms' };
    const withDetector: Config = { ...base, detector: { ...base.detector, enabled: true } };
    let next: Config = withDetector;
    const lines: Array<{ msg: string; series?: number }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; series?: number }) });
    const created = await Agent.create({ config: withDetector, logger, reloadConfig: async () => ({ ok: true, config: next }) });
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const agent = created.agent;
    await agent.start();
    try {
      const tracked = () => (agent.snapshot?.samples ?? []).filter((s) => s.name === 'vigil_detector_series').reduce((n, s) => n + s.value, 0);
      const waitFor = async (pred: () => boolean) => {
        const deadline = Date.now() + 20_000;
        while (!pred()) {
          if (Date.now() > deadline) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await waitFor(() => tracked() > 0);
      const before = tracked();
      next = { ...withDetector, detector: { ...withDetector.detector, threshold: 0.999 } };
      expect(await agent.reload()).toEqual({ ok: true });
      const ticked = agent.snapshot;
      await waitFor(() => agent.snapshot !== ticked && tracked() > 0);
      // Not started over: the new detector restored the series the old one saved when it stopped.
      const restored = lines.filter((l) => l.msg === 'detector state restored');
      expect(restored.length).toBe(1);
      expect(restored[0]!.series).toBeGreaterThanOrEqual(before);
    } finally {
      await agent.stop(2000);
    }
  });
});
