// The vigil command line as users run it: real processes, real ports, real signals.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, REPO_ROOT, runCli, spawnAgent, startAgent } from '../peers/agent.ts';
import { type Peer, freePort, isListening } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';

const CONFIG_INVALID = 'VIGIL_ERR_CONFIG_INVALID';

let dir: string;
/** Every agent process this file starts, stopped (by pid) in afterAll whatever happened. */
const started: Peer[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-e2e-cli-'));
});

afterAll(async () => {
  await Promise.all(started.map((p) => p.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

async function track<T extends Peer>(p: Promise<T>): Promise<T> {
  const peer = await p;
  started.push(peer);
  return peer;
}

describe('vigil --version and --help', () => {
  it("--version prints package.json's version", async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it.each([
    ['run', ['--config', '--listen', '--interval', '--log-level', '--path.procfs', '--path.sysfs', '--path.rootfs']],
    ['check-config', ['--config', '--listen', '--interval', '[file]']],
  ])('%s --help exits 0 and lists its flags', async (command, flags) => {
    const r = await runCli([command, '--help']);
    expect(r.code, r.stderr).toBe(0);
    for (const f of flags) expect(r.stdout, `${command} --help mentions ${f}`).toContain(f);
  });
});

describe('vigil check-config', () => {
  it('reports every error with its code and dotted key path, and exits 2', async () => {
    // Three mistakes in three places: a bad value, a bad nested value, an unknown nested key.
    const file = configFile(
      'three-errors.yml',
      ['interval: soon', 'collectors:', '  filesystem:', '    mountTimeout: 12 parsecs', '  netdev:', '    deviceExcluded: "^lo$"', ''].join('\n'),
    );
    const r = await runCli(['check-config', file]);
    expect(r.code, r.stderr).toBe(2);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('VIGIL_ERR_'));
    expect(errors, r.stderr).toHaveLength(3);
    for (const e of errors) expect(e.split(' ')[0], e).toBe(CONFIG_INVALID);
    const paths = errors.map((e) => e.split(' ')[1]!.replace(/:$/, '')).sort();
    expect(paths).toEqual(['collectors.filesystem.mountTimeout', 'collectors.netdev.deviceExcluded', 'interval']);
    // Nothing that looks like an effective config went to stdout.
    expect(r.stdout).toBe('');
  });

  it('prints the effective config as YAML and exits 0 when the file is valid', async () => {
    const file = configFile('valid.yml', 'interval: 7s\ncollectors:\n  netdev:\n    deviceExclude: "^veth"\n');
    const r = await runCli(['check-config', file]);
    expect(r.code, r.stderr).toBe(0);
    const effective = parseYaml(r.stdout) as { interval: string; collectors: { netdev: { deviceExclude: string } } };
    expect(effective.interval).toBe('7s');
    expect(effective.collectors.netdev.deviceExclude).toBe('^veth');
  });
});

describe('vigil run', () => {
  it('exits 2 on an invalid config and never listens', async () => {
    const port = await freePort();
    const file = configFile('bad-run.yml', 'interval: -3s\nnoSuchKey: 1\n');
    const peer = await track(spawnAgent(['run', '--config', file, '--listen', `127.0.0.1:${port}`]));
    // Watch the port while the process lives: it must never accept a connection.
    let listened = false;
    while (peer.exit === undefined) {
      if (await isListening(port)) listened = true;
      await Promise.race([peer.exited, sleep(20)]);
    }
    expect(peer.exit!.code, peer.stderr()).toBe(2);
    expect(
      peer
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith(CONFIG_INVALID)),
    ).toHaveLength(2);
    expect(listened, 'the port was bound while the invalid config was being reported').toBe(false);
    expect(await isListening(port)).toBe(false);
  });

  describe('with no config at all', () => {
    let agent: AgentPeer;

    beforeAll(async () => {
      agent = await track(startAgent({ waitReady: false }));
    });

    it('is healthy at once, ready after its first tick, and serves host metrics', async () => {
      expect((await fetch(`${agent.url}/healthz`)).status).toBe(200);
      const deadline = Date.now() + 15_000;
      let ready = (await fetch(`${agent.url}/readyz`)).status;
      while (ready !== 200 && Date.now() < deadline) {
        expect(ready).toBe(503);
        await sleep(50);
        ready = (await fetch(`${agent.url}/readyz`)).status;
      }
      expect(ready).toBe(200);
      const metrics = parsePromText(await agent.scrape());
      const cpu = metrics.families.get('node_cpu_seconds_total');
      expect(cpu?.type).toBe('counter');
      expect(cpu!.samples.length).toBeGreaterThan(0);
      expect(new Set(cpu!.samples.map((s) => s.labels.mode))).toContain('idle');
      // The embedded defaults: a 10 s interval, as the started log says.
      expect((await agent.waitForLog((l) => l.msg === 'vigil started')).interval).toBe('10s');
    });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 within 5 s of %s', async (signal) => {
    const agent = await track(startAgent({ interval: '1s' }));
    const t0 = performance.now();
    const exit = await agent.stop(signal, 10_000);
    const ms = performance.now() - t0;
    expect(exit, agent.stderr()).toEqual({ code: 0, signal: null });
    expect(ms).toBeLessThan(5000);
    const logs = agent.logs();
    expect(logs.find((l) => l.msg === 'stopping')?.signal).toBe(signal);
    expect(logs.some((l) => l.msg === 'vigil stopped')).toBe(true);
    expect(await isListening(agent.port)).toBe(false);
  });

  it('takes VIGIL_LISTEN and VIGIL_INTERVAL from the environment', async () => {
    // Listening where VIGIL_LISTEN says (no --listen flag) is the proof for VIGIL_LISTEN.
    const agent = await track(startAgent({ listenVia: 'env', env: { VIGIL_INTERVAL: '200ms' } }));
    const ticks = async () => scalar(parsePromText(await agent.scrape()), 'vigil_ticks_total');
    const before = await ticks();
    await sleep(1500);
    const after = await ticks();
    // ~7 ticks at 200 ms; the default 10 s interval would give none.
    expect(after - before).toBeGreaterThanOrEqual(4);
    expect((await agent.waitForLog((l) => l.msg === 'vigil started')).interval).toBe('200ms');
  });

  it('lets flags win over the environment', async () => {
    const agent = await track(startAgent({ interval: '300ms', env: { VIGIL_INTERVAL: '1h' } }));
    expect((await agent.waitForLog((l) => l.msg === 'vigil started')).interval).toBe('300ms');
  });
});
