import { describe, expect, it } from 'vitest';
import type { TickOutput } from '../../core/tick-output.ts';
import { counter, gauge } from '../../core/samples.ts';
import { kafkaMessageValidator } from '../../test/peers/kafka.ts';
import { jsonValue, MessageEncoder, type QueuedMessage } from './messages.ts';

const TOPICS = { metrics: 'm', anomalies: 'a', alerts: 'al' };
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0, 250);

function tick(): TickOutput {
  return {
    snapshot: {
      timestamp: T0,
      samples: [
        gauge('node_load1', {}, 0.5),
        counter('node_cpu_seconds_total', { cpu: '0', mode: 'idle' }, 100),
        gauge('node_memory_MemTotal_bytes', {}, 8e9),
        counter('node_cpu_seconds_total', { cpu: '0', mode: 'user' }, 7),
        gauge('weird', { a: 'b' }, Number.NaN),
        gauge('weird', { a: 'c' }, Number.POSITIVE_INFINITY),
        gauge('weird', { a: 'd' }, Number.NEGATIVE_INFINITY),
      ],
    },
    anomalies: [{ metric: 'node_load1', labels: {}, value: 0.5, score: 0.97, anomalous: true }],
    alerts: [],
    alertTransitions: [
      {
        from: 'pending',
        to: 'firing',
        at: T0,
        alert: {
          labels: { alertname: 'HighLoad', severity: 'warning' },
          annotations: { summary: 'load is high' },
          state: 'firing',
          activeAt: T0 - 60_000,
          firedAt: T0,
          value: 12,
          generatorURL: 'http://node1:9464/alerts',
        },
      },
    ],
  };
}

function encode(enc: MessageEncoder, t: TickOutput): QueuedMessage[] {
  const out: QueuedMessage[] = [];
  enc.encode(t, (m) => out.push(m));
  return out;
}

const decode = (m: QueuedMessage) => JSON.parse(m.value.toString('utf8')) as Record<string, unknown>;

describe('Kafka message encoding (schema version 1)', () => {
  it('writes one message per metric family with every sample of it, keyed by node', () => {
    const out = encode(new MessageEncoder('node-a', 'run-1', TOPICS), tick());
    const metrics = out.filter((m) => m.topic === 'm').map(decode);
    expect(metrics.map((m) => m.name)).toEqual(['node_load1', 'node_cpu_seconds_total', 'node_memory_MemTotal_bytes', 'weird']);
    const cpu = metrics[1]!;
    expect(cpu).toMatchObject({
      schema_version: 1,
      type: 'metric_family',
      node: 'node-a',
      timestamp: '2026-11-23T12:00:00.250Z',
      agent_instance: 'run-1',
      kind: 'counter',
    });
    expect(cpu.samples).toEqual([
      { labels: { cpu: '0', mode: 'idle' }, value: 100 },
      { labels: { cpu: '0', mode: 'user' }, value: 7 },
    ]);
    expect(metrics[3]!.samples).toEqual([
      { labels: { a: 'b' }, value: 'NaN' },
      { labels: { a: 'c' }, value: '+Inf' },
      { labels: { a: 'd' }, value: '-Inf' },
    ]);
    for (const m of out) {
      expect(m.key).toBe('node-a');
      expect(m.bytes).toBe(m.value.length);
      expect(m.timestamp).toBe(String(T0));
    }
  });

  it('writes metric families byte for byte as JSON.stringify of the message object would', () => {
    const node = 'nöde "a"\\1';
    const instance = 'run\n1';
    const samples = [
      counter('c_total', { path: 'C:\\dir "x"\n', lé: '\u0001\u2028' }, 1e21),
      counter('c_total', {}, -0),
      counter('c_total', { a: '' }, 1.5e-7),
      gauge('g', { z: 'y', a: 'b' }, -123.456),
      gauge('g', { q: '1' }, Number.NaN),
      gauge('g', { q: '2' }, Number.NEGATIVE_INFINITY),
      gauge('g', { q: '3' }, Number.MAX_VALUE),
    ];
    const out = encode(new MessageEncoder(node, instance, TOPICS), { snapshot: { timestamp: T0, samples }, anomalies: [], alerts: [], alertTransitions: [] });
    const expected = (seq: number, name: string, kind: string, of: typeof samples) =>
      JSON.stringify({
        schema_version: 1,
        type: 'metric_family',
        node,
        timestamp: '2026-11-23T12:00:00.250Z',
        agent_instance: instance,
        seq,
        name,
        kind,
        samples: of.map((s) => ({ labels: s.labels, value: jsonValue(s.value) })),
      });
    expect(out.map((m) => m.value.toString('utf8'))).toEqual([
      expected(1, 'c_total', 'counter', samples.slice(0, 3)),
      expected(2, 'g', 'gauge', samples.slice(3)),
    ]);
    for (const m of out) expect(m.bytes).toBe(m.value.length);
  });

  it('writes anomaly scores and alert transitions to their topics', () => {
    const out = encode(new MessageEncoder('node-a', 'run-1', TOPICS), tick());
    expect(out.filter((m) => m.topic === 'a').map(decode)).toEqual([
      expect.objectContaining({ type: 'anomaly_score', metric: 'node_load1', labels: {}, value: 0.5, score: 0.97, anomalous: true }),
    ]);
    const [alert] = out.filter((m) => m.topic === 'al').map(decode);
    expect(alert).toMatchObject({
      type: 'alert_transition',
      alertname: 'HighLoad',
      from: 'pending',
      to: 'firing',
      at: '2026-11-23T12:00:00.250Z',
      active_at: '2026-11-23T11:59:00.250Z',
      fired_at: '2026-11-23T12:00:00.250Z',
      value: 12,
      generator_url: 'http://node1:9464/alerts',
    });
    expect(alert).not.toHaveProperty('resolved_at');
  });

  it('numbers messages 1, 2, 3… across topics and ticks, and forgets families that vanished', () => {
    const enc = new MessageEncoder('n', 'r', TOPICS);
    const first = encode(enc, tick());
    const second = encode(enc, { ...tick(), snapshot: { timestamp: T0 + 1000, samples: [gauge('node_load1', {}, 1)] }, anomalies: [], alertTransitions: [] });
    expect([...first, ...second].map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(second.map(decode).map((m) => m.name)).toEqual(['node_load1']);
    expect(enc.encoded).toBe(7);
  });

  it('produces messages that the documented JSON Schemas accept', async () => {
    const validate = await kafkaMessageValidator();
    const kind = { m: 'metrics', a: 'anomalies', al: 'alerts' } as const;
    const out = encode(new MessageEncoder('node-a', 'run-1', TOPICS), tick());
    expect(out.length).toBe(6);
    for (const m of out) expect(validate(kind[m.topic as keyof typeof kind], decode(m))).toBeUndefined();
  });

  it('the schemas reject what breaks the contract (so the check above can fail)', async () => {
    const validate = await kafkaMessageValidator();
    const [metric] = encode(new MessageEncoder('node-a', 'run-1', TOPICS), tick()).map(decode);
    expect(validate('metrics', { ...metric, schema_version: 2 })).toMatch(/schema_version/);
    expect(validate('metrics', { ...metric, timestamp: 'yesterday' })).toMatch(/timestamp/);
    expect(validate('metrics', { ...metric, samples: [{ labels: {}, value: 'lots' }] })).toBeDefined();
    expect(validate('metrics', { ...metric, extra: 1 })).toMatch(/additional/);
    expect(validate('alerts', metric)).toBeDefined();
  });
});
