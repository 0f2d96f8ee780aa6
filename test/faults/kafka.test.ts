// The Kafka broker down when the agent starts, then SIGKILLed mid-run and started again (the real
// broker of test/e2e/kafka.test.ts; a proxy cannot stand in front of Kafka, whose clients reconnect to
// the advertised address, so there is no black-hole case here). Promised: every message the agent
// numbered (`seq` 1…encoded, per run) is on the broker except exactly the ones it counted as dropped.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { type KafkaPeer, readTopics, startKafka } from '../peers/kafka.ts';
import { sumSamples } from '../peers/alertmanager.ts';
import { expectSection, type Row } from './reliability-doc.ts';

const TOPICS = { metrics: 'faults.metrics', anomalies: 'faults.anomalies', alerts: 'faults.alerts' };
let dir: string;
let kafka: KafkaPeer | undefined;
let agent: AgentPeer | undefined;
const rows: Row[] = [];

const metric = async (name: string) => sumSamples(await agent!.scrape(), name);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-faults-kafka-'));
  kafka = await startKafka();
  await kafka.createTopics(Object.values(TOPICS));
  writeFileSync(
    path.join(dir, 'vigil.yml'),
    [
      'interval: 500ms',
      `stateDir: ${path.join(dir, 'state')}`,
      'sinks:',
      '  kafka:',
      '    enabled: true',
      `    brokers: ["${kafka.broker}"]`,
      `    topics: { metrics: ${TOPICS.metrics}, anomalies: ${TOPICS.anomalies}, alerts: ${TOPICS.alerts} }`,
      '    linger: 50ms',
      '',
    ].join('\n'),
  );
}, 300_000);

afterAll(async () => {
  await agent?.stop();
  await kafka?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Kafka broker under fault', () => {
  it('[kafka-down-at-start] down when the agent starts, then started: delivery begins, the buffer drains', async () => {
    await kafka!.stopBroker('SIGTERM');
    agent = await startAgent({ args: ['--config', path.join(dir, 'vigil.yml')] });
    await until('messages buffered while the broker is down', async () => (await metric('vigil_kafka_buffered_messages')) > 0, { timeoutMs: 30_000 });
    expect(await metric('vigil_kafka_up')).toBe(0);
    await agent.waitForLog((e) => e.code === 'VIGIL_ERR_KAFKA_DELIVERY', 30_000);
    await kafka!.startBroker();
    await until('delivery', async () => (await metric('vigil_kafka_up')) === 1 && (await metric('vigil_kafka_messages_sent_total')) > 0, { timeoutMs: 60_000 });
    rows.push({
      fault: 'Kafka broker down at start, then started',
      metric: 'vigil_kafka_up 0, vigil_kafka_buffered_messages, vigil_kafka_errors_total',
      code: 'VIGIL_ERR_KAFKA_DELIVERY',
      recovered: 'delivery begins; seq gaps = vigil_kafka_dropped_total',
    });
  });

  it('[kafka-killed] SIGKILLed mid-run, then started again: seq gaps equal the dropped counter', async () => {
    const sent = await metric('vigil_kafka_messages_sent_total');
    await kafka!.stopBroker('SIGKILL');
    try {
      await until('the sink to notice', async () => (await metric('vigil_kafka_up')) === 0, { timeoutMs: 30_000 });
    } finally {
      await kafka!.startBroker();
    }
    await until('delivery to resume', async () => (await metric('vigil_kafka_up')) === 1 && (await metric('vigil_kafka_messages_sent_total')) > sent, {
      timeoutMs: 60_000,
    });
    const exit = await agent!.stop('SIGTERM');
    expect(exit.code).toBe(0);
    const account = agent!.logs().find((e) => e.msg === 'kafka sink stopped') as unknown as { encoded: number; dropped: number } | undefined;
    expect(account, agent!.stdout().slice(-2000)).toBeDefined();
    const seqs = (ms: readonly { value: string }[]) => new Set(ms.map((m) => (JSON.parse(m.value) as { seq: number }).seq));
    const read = await readTopics(kafka!.broker, Object.values(TOPICS), (ms) => seqs(ms).size >= account!.encoded - account!.dropped, 60_000);
    const seen = seqs(read);
    let gaps = 0;
    for (let s = 1; s <= account!.encoded; s++) if (!seen.has(s)) gaps++;
    expect(gaps).toBe(account!.dropped);
    rows.push({
      fault: 'Kafka broker SIGKILLed mid-run, then started',
      metric: 'vigil_kafka_up 0, vigil_kafka_buffered_messages, vigil_kafka_errors_total',
      code: 'VIGIL_ERR_KAFKA_DELIVERY',
      recovered: 'delivery resumes; seq gaps = vigil_kafka_dropped_total',
    });
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expectSection('kafka.test.ts', rows);
  });
});
