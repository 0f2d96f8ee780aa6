// Stopping loses nothing and never hangs: with every sink pointed at an endpoint that black-holes
// (accepts TCP, never answers) or refuses, SIGTERM exits 0 within 5 s with the alert, rule-history and
// detector state written; a stop signal during start-up stops cleanly; SIGHUP (a reload: see
// reload.test.ts), SIGUSR1 and SIGUSR2 neither kill the agent nor (SIGUSR1) open the inspector.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, spawnAgent, startAgent } from '../peers/agent.ts';
import { freePort, isListening, until, waitForHttp } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';

let blackHole: Server;
const held: Socket[] = [];
let holePort = 0;
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-shutdown-'));
  // Accepts every connection and never writes a byte.
  blackHole = createServer((socket) => {
    held.push(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
  holePort = (blackHole.address() as { port: number }).port;
  writeFileSync(path.join(dir, 'always.rules.yml'), 'groups:\n  - name: always\n    rules:\n      - alert: AlwaysFiring\n        expr: node_load1 >= 0\n');
});

afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise<void>((r) => blackHole.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function configFile(name: string, port: number): string {
  const file = path.join(dir, `${name}.yml`);
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    file,
    [
      `stateDir: ${path.join(dir, `${name}-state`)}`,
      'alerting:',
      `  ruleFiles: [${path.join(dir, 'always.rules.yml')}]`,
      '  evaluationInterval: 200ms',
      `  alertmanagers: [{ url: "${url}", timeout: 30s }]`,
      'sinks:',
      `  otlp: { enabled: true, endpoint: "${url}", exportInterval: 200ms }`,
      `  kafka: { enabled: true, brokers: ["127.0.0.1:${port}"], flushTimeout: 30s }`,
      '',
    ].join('\n'),
  );
  return file;
}

describe.each([
  ['black-holes', () => Promise.resolve(holePort)],
  ['refuses', () => freePort()],
])('SIGTERM while every sink endpoint %s', (name, port) => {
  it('exits 0 within 5 s and writes the alert, rule-history and detector state', async () => {
    const agent = await startAgent({ interval: '200ms', args: ['-c', configFile(name, await port())] });
    await until('a firing alert queued for Alertmanager', async () => {
      const e = parsePromText(await agent.scrape());
      return (e.families.get('ALERTS')?.samples ?? []).some((s) => s.labels.alertstate === 'firing') && scalar(e, 'vigil_ticks_total') >= 3;
    });
    const t0 = Date.now();
    const exit = await agent.stop('SIGTERM', 10_000);
    const elapsed = Date.now() - t0;
    expect(exit.code, agent.stdout().slice(-3000)).toBe(0);
    expect(elapsed).toBeLessThan(5000);
    expect(agent.logs().some((e) => e.msg === 'vigil stopped')).toBe(true);
    const state = path.join(dir, `${name}-state`);
    for (const f of ['alerts', 'detector/state.json']) expect(existsSync(path.join(state, f)), f).toBe(true);
  });
});

describe('signals', () => {
  let agent: AgentPeer;
  beforeAll(async () => {
    agent = await startAgent({ interval: '200ms' });
  });
  afterAll(async () => {
    await agent?.stop();
  });

  const ticks = async () => scalar(parsePromText(await agent.scrape()), 'vigil_ticks_total');

  it.each(['SIGHUP', 'SIGUSR2'] as const)('%s is logged and does not stop the agent: it keeps ticking', async (signal) => {
    process.kill(agent.pid, signal);
    await agent.waitForLog((e) => e.signal === signal);
    const after = await ticks();
    await until('another tick', async () => (await ticks()) > after);
    expect(agent.exit).toBeUndefined();
  });

  it('SIGUSR1 is ignored (the agent runs with --disable-sigusr1) and does not open the inspector', async () => {
    process.kill(agent.pid, 'SIGUSR1');
    const after = await ticks();
    await until('two more ticks', async () => (await ticks()) > after + 1);
    expect(agent.exit).toBeUndefined();
    expect(await isListening(9229)).toBe(false);
    expect(agent.stderr()).not.toContain('Debugger listening');
  });

  it('runs with the runtime flags and environment of agent/runtime-flags.ts, though started without them', () => {
    // Started as `node agent/main.ts run …`: the same PID re-executed itself with them.
    const argv = readFileSync(`/proc/${agent.pid}/cmdline`, 'utf8').split('\0');
    for (const flag of ['--disable-sigusr1', '--max-semi-space-size=1', '--optimize-for-size', '--no-maglev']) expect(argv).toContain(flag);
    expect(readFileSync(`/proc/${agent.pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=2');
  });
});

describe('a stop signal during start-up', () => {
  it('stops cleanly (exit 0) once the agent is up', async () => {
    const port = await freePort();
    const peer = await spawnAgent(['run', '--listen', `127.0.0.1:${port}`, '--interval', '1s', '--state-dir', path.join(dir, 'startup-state')]);
    // Listening but before the first tick (readiness): start-up is still under way.
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    process.kill(peer.pid, 'SIGTERM');
    const exit = await peer.exited;
    expect(exit.code, peer.stdout().slice(-2000)).toBe(0);
  });
});
