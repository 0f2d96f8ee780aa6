// The Kafka sink against a real Apache Kafka broker (KRaft, one node, from Maven Central's jars),
// with the agent as a child process. Messages are read back with a kafkajs consumer and checked
// against the documented JSON Schemas; the broker is stopped and restarted under a running agent.
//
// Every message carries `seq` (1, 2, 3… per agent run, across topics): the messages lost are the
// gaps in what the broker holds, which must equal the agent's own vigil_kafka_dropped_total.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, type LogEvent, startAgent } from '../peers/agent.ts';
import { KAFKA_SASL_USER, type KafkaPeer, type MessageValidator, type ReadMessage, kafkaMessageValidator, readTopics, startKafka } from '../peers/kafka.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';
import { until } from '../peers/child.ts';

const TICK = '500ms';
let kafka: KafkaPeer;
let validate: MessageValidator;
let dir: string;
const agents: AgentPeer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-kafka-e2e-'));
  // A rule that fires at once, so that the alerts topic gets a state change.
  writeFileSync(
    path.join(dir, 'always.rules.yml'),
    [
      'groups:',
      '  - name: e2e',
      '    rules:',
      '      - alert: KafkaE2EAlwaysFiring',
      '        expr: vigil_build_info > 0',
      '        labels:',
      '          severity: info',
      '        annotations:',
      '          summary: always firing',
      '',
    ].join('\n'),
  );
  [kafka, validate] = await Promise.all([startKafka(), kafkaMessageValidator()]);
}, 300_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await kafka?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  readonly topics: { metrics: string; anomalies: string; alerts: string };
  readonly node: string;
  readonly agent: AgentPeer;
}

let runs = 0;

async function startRun(kafkaOptions: string[] = [], broker = kafka.broker): Promise<Run> {
  const n = ++runs;
  const topics = { metrics: `e2e${n}.metrics`, anomalies: `e2e${n}.anomalies`, alerts: `e2e${n}.alerts` };
  await kafka.createTopics(Object.values(topics));
  const node = `kafka-e2e-node-${n}`;
  const config = path.join(dir, `vigil-${n}.yml`);
  writeFileSync(
    config,
    [
      `interval: ${TICK}`,
      `stateDir: ${path.join(dir, `state-${n}`)}`,
      'alerting:',
      `  ruleFiles: [${path.join(dir, 'always.rules.yml')}]`,
      'sinks:',
      '  kafka:',
      '    enabled: true',
      `    brokers: ["${broker}"]`,
      `    topics: { metrics: ${topics.metrics}, anomalies: ${topics.anomalies}, alerts: ${topics.alerts} }`,
      '    linger: 50ms',
      ...kafkaOptions.map((l) => `    ${l}`),
      '',
    ].join('\n'),
  );
  const agent = await startAgent({ args: ['--config', config], env: { NODE_NAME: node } });
  agents.push(agent);
  return { topics, node, agent };
}

const scrape = async (a: AgentPeer): Promise<Exposition> => parsePromText(await a.scrape());
const scalar = (e: Exposition, name: string): number => e.families.get(name)?.samples[0]?.value ?? Number.NaN;
const sentTotal = (e: Exposition): number => (e.families.get('vigil_kafka_messages_sent_total')?.samples ?? []).reduce((n, s) => n + s.value, 0);

/** Stops the agent (SIGTERM: it flushes) and returns its closing account of the Kafka sink. */
async function stopRun(run: Run): Promise<{ sent: number; dropped: number; encoded: number; lostAtShutdown: number }> {
  const exit = await run.agent.stop('SIGTERM');
  expect(exit.code).toBe(0);
  const ev = run.agent.logs().find((e: LogEvent) => e.msg === 'kafka sink stopped');
  if (ev === undefined) throw new Error(`no "kafka sink stopped" log:\n${run.agent.stdout().slice(-3000)}`);
  return ev as unknown as { sent: number; dropped: number; encoded: number; lostAtShutdown: number };
}

interface Decoded {
  readonly topic: string;
  readonly key: string | null;
  readonly body: Record<string, unknown> & { seq: number; type: string; node: string };
}

async function readAll(run: Run, expectedDistinct: number): Promise<Decoded[]> {
  const distinct = (ms: readonly ReadMessage[]) => new Set(ms.map((m) => (JSON.parse(m.value) as { seq: number }).seq)).size;
  const read = await readTopics(kafka.broker, Object.values(run.topics), (ms) => distinct(ms) >= expectedDistinct, 60_000);
  return read.map((m) => ({ topic: m.topic, key: m.key, body: JSON.parse(m.value) as Decoded['body'] }));
}

/** seq values in 1..encoded that the broker does not hold. */
function missing(messages: readonly Decoded[], encoded: number): number {
  const seen = new Set(messages.map((m) => m.body.seq));
  let gaps = 0;
  for (let s = 1; s <= encoded; s++) if (!seen.has(s)) gaps++;
  return gaps;
}

describe('Kafka sink on a real broker', () => {
  it('delivers metric families and alert state changes with the documented schema, keyed by node', async () => {
    const run = await startRun();
    await until('a few ticks delivered', async () => ((await scrape(run.agent)).families.get('vigil_ticks_total')?.samples[0]?.value ?? 0) >= 4 || undefined);
    const e = await scrape(run.agent);
    expect(scalar(e, 'vigil_kafka_up')).toBe(1);
    const account = await stopRun(run);
    expect(account.dropped).toBe(0);
    expect(account.sent).toBe(account.encoded);
    const messages = await readAll(run, account.encoded);

    expect(missing(messages, account.encoded)).toBe(0);
    const kinds = { [run.topics.metrics]: 'metrics', [run.topics.anomalies]: 'anomalies', [run.topics.alerts]: 'alerts' } as const;
    for (const m of messages) {
      expect(validate(kinds[m.topic]!, m.body), JSON.stringify(m.body).slice(0, 300)).toBeUndefined();
      expect(m.key).toBe(run.node);
      expect(m.body.node).toBe(run.node);
    }
    // One message per family per tick: node_load1 is there with the loadavg value range, once per tick.
    const load = messages.filter((m) => m.body.type === 'metric_family' && m.body.name === 'node_load1');
    expect(load.length).toBeGreaterThanOrEqual(4);
    const first = load[0]!.body as unknown as { kind: string; samples: { labels: object; value: number }[] };
    expect(first.kind).toBe('gauge');
    expect(first.samples).toHaveLength(1);
    expect(first.samples[0]!.value).toBeGreaterThanOrEqual(0);
    const alerts = messages.filter((m) => m.topic === run.topics.alerts).map((m) => m.body);
    expect(alerts).toContainEqual(expect.objectContaining({ type: 'alert_transition', alertname: 'KafkaE2EAlwaysFiring', to: 'firing' }));
  });

  it('rides out a broker outage that fits in the buffer: delivery resumes, nothing is lost', async () => {
    const run = await startRun();
    const before = await until('first delivery', async () => {
      const e = await scrape(run.agent);
      return sentTotal(e) > 0 ? sentTotal(e) : undefined;
    });
    await kafka.stopBroker('SIGTERM');
    try {
      await until('the sink to notice', async () => ((await scrape(run.agent)).families.get('vigil_kafka_up')?.samples[0]?.value === 0 ? true : undefined));
      await sleep(3000);
      const down = await scrape(run.agent);
      expect(scalar(down, 'vigil_kafka_buffered_messages')).toBeGreaterThan(0);
      expect(scalar(down, 'vigil_kafka_errors_total')).toBeGreaterThan(0);
      await run.agent.waitForLog((ev) => ev.code === 'VIGIL_ERR_KAFKA_DELIVERY');
    } finally {
      await kafka.startBroker();
    }
    const resumed = await until(
      'delivery to resume and the buffer to drain',
      async () => {
        const e = await scrape(run.agent);
        return scalar(e, 'vigil_kafka_up') === 1 && sentTotal(e) > before && scalar(e, 'vigil_kafka_buffered_messages') < 200 ? e : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(scalar(resumed, 'vigil_kafka_dropped_total')).toBe(0);
    const account = await stopRun(run);
    expect(account.dropped).toBe(0);
    const messages = await readAll(run, account.encoded);
    expect(missing(messages, account.encoded)).toBe(0);
  });

  it('with a tiny buffer, an outage drops the oldest messages and the dropped counter equals what is lost', async () => {
    // Room for about two ticks of messages: none is dropped while the broker is up, many during the outage.
    const probe = await startRun();
    const perTick = await until('a tick with its families', async () => {
      const e = await scrape(probe.agent);
      return e.families.size > 10 ? e.families.size : undefined;
    });
    await stopRun(probe);
    const run = await startRun([`buffer: { maxMessages: ${perTick * 2} }`]);
    await until('first delivery', async () => (sentTotal(await scrape(run.agent)) > 0 ? true : undefined));
    await kafka.stopBroker('SIGTERM');
    try {
      await until('drops', async () => (scalar(await scrape(run.agent), 'vigil_kafka_dropped_total') > 0 ? true : undefined), { timeoutMs: 30_000 });
      await sleep(2000);
    } finally {
      await kafka.startBroker();
    }
    await until('delivery to resume', async () => (scalar(await scrape(run.agent), 'vigil_kafka_up') === 1 ? true : undefined), { timeoutMs: 60_000 });
    const account = await stopRun(run);
    expect(account.dropped).toBeGreaterThan(0);
    const messages = await readAll(run, account.encoded - account.dropped);
    expect(missing(messages, account.encoded)).toBe(account.dropped);
  });

  it('authenticates with SASL PLAIN and SCRAM-SHA-512; a wrong password keeps the sink down without crashing or logging it; no payload carries the password', async () => {
    const good = path.join(dir, 'kafka-password');
    const bad = path.join(dir, 'wrong-password');
    writeFileSync(good, `${KAFKA_SASL_USER.password}\n`, { mode: 0o600 });
    const wrong = 'not-the-Password-93be';
    writeFileSync(bad, wrong, { mode: 0o600 });
    const sasl = (mechanism: string, file: string) => [`sasl: { mechanism: ${mechanism}, username: ${KAFKA_SASL_USER.username}, passwordFile: ${file} }`];
    const [plain, scram, denied] = await Promise.all([
      startRun(sasl('plain', good), kafka.saslBroker),
      startRun(sasl('scram-sha-512', good), kafka.saslBroker),
      startRun(sasl('scram-sha-256', bad), kafka.saslBroker),
    ]);
    for (const run of [plain, scram]) await until('delivery over SASL', async () => (sentTotal(await scrape(run.agent)) > 0 ? true : undefined));
    await until('the failed authentication to count', async () => (scalar(await scrape(denied.agent), 'vigil_kafka_errors_total') > 0 ? true : undefined));
    const deniedScrape = await scrape(denied.agent);
    expect(scalar(deniedScrape, 'vigil_kafka_up')).toBe(0);
    expect(sentTotal(deniedScrape)).toBe(0);
    for (const run of [plain, scram]) {
      const account = await stopRun(run);
      expect(account.dropped).toBe(0);
      const messages = await readAll(run, account.encoded);
      expect(missing(messages, account.encoded)).toBe(0);
      // What goes to Kafka carries no credential either (the password file's content, the user's password).
      for (const m of messages) expect(`${m.key ?? ''} ${JSON.stringify(m.body)}`).not.toContain(KAFKA_SASL_USER.password);
    }
    await stopRun(denied);
    for (const run of [plain, scram, denied]) {
      const out = run.agent.stdout() + run.agent.stderr();
      expect(out).not.toContain(KAFKA_SASL_USER.password);
      expect(out).not.toContain(wrong);
    }
    expect(denied.agent.logs().some((e) => e.code === 'VIGIL_ERR_KAFKA_DELIVERY')).toBe(true);
  });
});
