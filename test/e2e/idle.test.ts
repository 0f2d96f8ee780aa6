// Idle means idle: an agent at the default 10 s interval with every sink connected (Kafka on a real
// broker, OTLP/HTTP to a real collector exporting every 10 s, Alertmanager with a firing alert) must
// sleep between ticks. Measured from outside over a fixed window of three ticks, once every sink has
// delivered and two more ticks have passed (warm-up: the first exports compile their code paths; a
// measurement over a fixed window, not a wait for an event):
//
// - Wake-ups: voluntary_ctxt_switches of the main thread from /proc/<pid>/status (the leader's own
//   counter, not its threads'): each time the event loop blocks in epoll_wait and is woken again.
//   Budget: 10 per second (issue 15's goal). Measured here: 1.6–2.6 per second.
// - CPU: utime + stime of the whole process (all threads) from /proc/<pid>/stat, in clock ticks of
//   10 ms. Budget: 1 % of one core. Issue 15's goal is 0.2 % and is not met: over 300 s side by side
//   (docs/footprint.md, "Idle") this setup uses ~41 ms per tick, 0.41 % (0.47–0.50 % before the
//   allocation cuts there), about half of it on V8's worker threads (mark-compacts, and TurboFan
//   compiling again the code that a mark-compact deoptimised); without Kafka and OTLP ~0.11 %. One
//   30 s window holds 6–18 clock ticks (0.2–0.6 %) depending on whether a mark-compact lands in it,
//   so the window cannot assert 0.2 % even once it is met; the budget stays where it never fails
//   spuriously and still catches the regression below (2.6–4.4 %); the wake-ups catch it by a factor
//   of ~80 and are the sharper measure.
// - Output: every line on stdout and stderr is one JSON object (no dependency's warning or print).
//
// The regression this guards against: kafkajs 2.2.4's request queue re-armed itself on a 1 ms timer
// for as long as a broker connection was open (~800 wake-ups/s here, and Node 24's
// TimeoutNegativeWarning on stderr), and checked request timeouts every 100 ms per connection even
// with nothing in flight (~11 wake-ups/s with the first fixed alone). See docs/kafka.md and
// patches/kafkajs+2.2.4.patch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { type AlertmanagerPeer, startAlertmanager } from '../peers/alertmanager.ts';
import { settleAll, until } from '../peers/child.ts';
import { type KafkaPeer, startKafka } from '../peers/kafka.ts';
import { type OtelCollectorPeer, startOtelCollector } from '../peers/otel-collector.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';

/** The measurement window: three ticks at the default 10 s interval. */
const WINDOW_MS = 30_000;
const MAX_CPU_FRACTION = 0.01;
const MAX_WAKEUPS_PER_S = 10;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux everywhere that matters). */
const USER_HZ = 100;

let kafka: KafkaPeer | undefined;
let collector: OtelCollectorPeer | undefined;
let am: AlertmanagerPeer | undefined;
let agent: AgentPeer | undefined;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-idle-e2e-'));
  await settleAll([
    startKafka().then((p) => (kafka = p)),
    startOtelCollector().then((p) => (collector = p)),
    startAlertmanager({ config: 'route: { receiver: none }\nreceivers: [{ name: none }]\n' }).then((p) => (am = p)),
  ]);
}, 900_000);

afterAll(async () => {
  await agent?.stop();
  await Promise.all([kafka?.stop(), collector?.stop(), am?.stop()]);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Usage {
  readonly at: number;
  /** utime + stime of all threads, in clock ticks. */
  readonly cpuTicks: number;
  /** Voluntary context switches of the main thread. */
  readonly wakeups: number;
}

function usage(pid: number): Usage {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state is field 3, utime 14, stime 15 (1-based, man 5 proc).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuTicks = Number(fields[14 - 3]) + Number(fields[15 - 3]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const wakeups = Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
  return { at: performance.now(), cpuTicks, wakeups };
}

const sum = (e: Exposition, name: string): number => (e.families.get(name)?.samples ?? []).reduce((n, s) => n + s.value, 0);

/** Lines of output that are not one JSON object each (a dependency writing to the console, a warning). */
const nonJsonLines = (text: string): string[] =>
  text.split('\n').filter((line) => {
    if (line.trim() === '') return false;
    try {
      return typeof JSON.parse(line) !== 'object';
    } catch {
      return true;
    }
  });

describe('an idle agent with every sink connected', () => {
  it('sleeps between ticks: ≤ 10 main-thread wake-ups per second, ≤ 1 % of a core, JSON-only output', async () => {
    writeFileSync(
      path.join(dir, 'always.rules.yml'),
      [
        'groups:',
        '  - name: idle',
        '    rules:',
        '      - alert: IdleE2EAlwaysFiring',
        '        expr: vigil_build_info > 0',
        '        labels:',
        '          severity: info',
        '',
      ].join('\n'),
    );
    const config = path.join(dir, 'vigil.yml');
    writeFileSync(
      config,
      [
        'interval: 10s',
        `stateDir: ${path.join(dir, 'state')}`,
        'alerting:',
        `  ruleFiles: [${path.join(dir, 'always.rules.yml')}]`,
        `  alertmanagers: [{ url: "${am!.url}" }]`,
        'sinks:',
        '  kafka:',
        '    enabled: true',
        `    brokers: ["${kafka!.broker}"]`,
        '  otlp:',
        '    enabled: true',
        `    endpoint: "${collector!.httpEndpoint}"`,
        '    exportInterval: 10s',
        '',
      ].join('\n'),
    );
    agent = await startAgent({ args: ['--config', config], env: { NODE_NAME: 'idle-e2e' } });
    const a = agent;
    // Every sink has delivered once: the connections are open, as they stay in production.
    await until(
      'a delivery by every sink',
      async () => {
        const e = parsePromText(await a.scrape());
        return sum(e, 'vigil_kafka_messages_sent_total') > 0 && sum(e, 'vigil_otlp_exports_total') > 0 && sum(e, 'vigil_alertmanager_sent_total') > 0;
      },
      { timeoutMs: 60_000, intervalMs: 1000, context: () => a.stdout().slice(-3000) },
    );

    const ticks = async (): Promise<number> => sum(parsePromText(await a.scrape()), 'vigil_ticks_total');
    const warm = (await ticks()) + 2;
    await until('two more ticks', async () => (await ticks()) >= warm, { timeoutMs: 40_000, intervalMs: 1000 });

    const before = usage(a.pid);
    await sleep(WINDOW_MS);
    const after = usage(a.pid);

    const seconds = (after.at - before.at) / 1000;
    const cpuFraction = (after.cpuTicks - before.cpuTicks) / USER_HZ / seconds;
    const wakeupsPerS = (after.wakeups - before.wakeups) / seconds;
    console.log(`idle over ${seconds.toFixed(1)} s: ${(cpuFraction * 100).toFixed(3)} % of a core, ${wakeupsPerS.toFixed(1)} main-thread wake-ups/s`);

    const e = parsePromText(await a.scrape());
    expect(sum(e, 'vigil_kafka_up')).toBe(1);
    expect.soft(wakeupsPerS, 'main-thread wake-ups per second').toBeLessThanOrEqual(MAX_WAKEUPS_PER_S);
    expect.soft(cpuFraction, 'CPU, fraction of one core').toBeLessThanOrEqual(MAX_CPU_FRACTION);
    expect.soft(nonJsonLines(a.stderr()), 'non-JSON lines on stderr').toEqual([]);
    expect.soft(nonJsonLines(a.stdout()), 'non-JSON lines on stdout').toEqual([]);
  }, 240_000);
});
