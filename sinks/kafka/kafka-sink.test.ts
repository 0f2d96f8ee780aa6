import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { SinkContext } from '../../core/component.ts';
import { tickOf } from '../../core/tick-output.ts';
import { gauge } from '../../core/samples.ts';
import { clientOptions } from './client-config.ts';
import { KafkaSink } from './kafka-sink.ts';
import { kafkaOptions } from './options.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-kafka-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = 'kafka-pw-4b7e1f';

function context(): { ctx: SinkContext; logs: () => Record<string, unknown>[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const ctx: SinkContext = {
    logger,
    now: () => 0,
    paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
    signal: new AbortController().signal,
    stateDir: dir,
    nodeName: 'n1',
    externalUrl: 'http://n1:9464',
    env: {},
  };
  return {
    ctx,
    logs: () =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

const kafka = (o: object) => kafkaOptions.parse({ enabled: true, brokers: ['127.0.0.1:1'], ...o });
const value = (sink: KafkaSink, name: string) => sink.selfSamples().find((s) => s.name === name)?.value;

describe('Kafka client options', () => {
  it('reads the SASL password from its file, without the trailing newline', async () => {
    const file = path.join(dir, 'pw');
    writeFileSync(file, `${SECRET}\n`);
    const r = await clientOptions(kafka({ sasl: { mechanism: 'scram-sha-256', username: 'vigil', passwordFile: file } }));
    expect(r.ok && r.options.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'vigil', password: SECRET });
  });

  it('reads TLS files, and reports unreadable ones by key path with a code', async () => {
    const ca = path.join(dir, 'ca.pem');
    writeFileSync(ca, 'CA PEM');
    const ok = await clientOptions(kafka({ tls: { enabled: true, caFile: ca, rejectUnauthorized: false } }));
    expect(ok.ok && ok.options.ssl).toEqual({ rejectUnauthorized: false, ca: ['CA PEM'] });
    const bad = await clientOptions(
      kafka({
        tls: { enabled: true, certFile: path.join(dir, 'missing.pem') },
        sasl: { mechanism: 'plain', username: 'u', passwordFile: path.join(dir, 'nope') },
      }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => [e.code, e.where])).toEqual([
        ['VIGIL_ERR_KAFKA_CONFIG', 'sinks.kafka.tls.certFile'],
        ['VIGIL_ERR_KAFKA_CONFIG', 'sinks.kafka.sasl.passwordFile'],
      ]);
      expect(bad.errors[0]!.message).toContain('ENOENT');
    }
  });
});

describe('KafkaSink', () => {
  it('misconfigured: stays off, shows up 0, drops and counts what it is sent, never throws', async () => {
    const { ctx, logs } = context();
    const sink = new KafkaSink(kafka({ sasl: { mechanism: 'plain', username: 'u', passwordFile: path.join(dir, 'absent') }, buffer: { maxMessages: 2 } }), ctx);
    await sink.start(ctx.signal);
    expect(logs().some((l) => l.code === 'VIGIL_ERR_KAFKA_CONFIG' && l.where === 'sinks.kafka.sasl.passwordFile')).toBe(true);
    const tick = tickOf({ timestamp: 1, samples: [gauge('a', {}, 1), gauge('b', {}, 2), gauge('c', {}, 3)] });
    sink.send(tick);
    sink.send(tick);
    await new Promise((r) => setImmediate(r));
    expect(value(sink, 'vigil_kafka_up')).toBe(0);
    expect(value(sink, 'vigil_kafka_buffered_messages')).toBe(2);
    expect(value(sink, 'vigil_kafka_dropped_total')).toBe(4);
    await sink.stop();
    expect(value(sink, 'vigil_kafka_dropped_total')).toBe(6);
    expect(logs().find((l) => l.msg === 'kafka sink stopped')).toMatchObject({ sent: 0, dropped: 6, encoded: 6 });
  });

  it('with no broker: send() only queues, the outage is logged once with its code, stop() keeps its deadline', async () => {
    const { ctx, logs } = context();
    const sink = new KafkaSink(kafka({ flushTimeout: '1500ms', sasl: undefined }), ctx);
    await sink.start(ctx.signal);
    for (let i = 0; i < 100; i++) sink.send(tickOf({ timestamp: i, samples: [gauge('a', {}, i)] }));
    expect(value(sink, 'vigil_kafka_buffered_messages')).toBe(0); // encoded after the tick, not in send()
    await new Promise((r) => setImmediate(r));
    // Queued, not delivered: send() never waits on the network (its cost is measured in bench/sinks.ts).
    expect(value(sink, 'vigil_kafka_buffered_messages')).toBe(100);
    await expect.poll(() => value(sink, 'vigil_kafka_errors_total'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    expect(logs().filter((l) => l.code === 'VIGIL_ERR_KAFKA_DELIVERY')).toHaveLength(1);
    const s0 = performance.now();
    await sink.stop();
    expect(performance.now() - s0).toBeLessThan(5000);
    expect(value(sink, 'vigil_kafka_dropped_total')).toBe(100);
    expect(value(sink, 'vigil_kafka_buffered_messages')).toBe(0);
    expect(JSON.stringify(logs())).not.toContain(SECRET);
  }, 30_000);
});
