// A real Apache Kafka broker in KRaft mode (one node, broker and controller combined) on free
// loopback ports, from the jars test/peers/kafka/fetch.sh caches, run with the machine's Java.
// It can be stopped and started again on the same ports and data (an outage, as clients see it).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { type Exit, type Peer, freePort, isListening, spawnPeer, tail } from './child.ts';

const FETCH_SCRIPT = fileURLToPath(new URL('./kafka/fetch.sh', import.meta.url));
const run = promisify(execFile);

/** The broker's jar directory: $VIGIL_TEST_KAFKA_LIBS, else fetched (once, cached under $HOME) by the fetch script. */
async function kafkaLibs(): Promise<string> {
  if (process.env.VIGIL_TEST_KAFKA_LIBS) return process.env.VIGIL_TEST_KAFKA_LIBS;
  const { stdout } = await run('bash', [FETCH_SCRIPT], { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 });
  return stdout.trim().split('\n').pop()!;
}

/** The SASL user the broker knows, for PLAIN and for SCRAM-SHA-256/512 alike. */
export const KAFKA_SASL_USER = { username: 'vigil', password: 'kafka-e2e-Secret-81c2' } as const;

export interface KafkaPeer {
  /** 127.0.0.1:<port> of the PLAINTEXT listener. */
  readonly broker: string;
  /** 127.0.0.1:<port> of the SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512; user KAFKA_SASL_USER). */
  readonly saslBroker: string;
  readonly dir: string;
  /** The running broker process, if running. */
  readonly process: Peer | undefined;
  /** Stops the broker process (the data stays): SIGKILL for a crash, SIGTERM for a clean stop. */
  stopBroker(signal?: NodeJS.Signals): Promise<Exit | undefined>;
  /** Starts it again on the same ports and data; resolves when clients can use it. */
  startBroker(): Promise<void>;
  /** Creates topics (1 partition, replication 1) and waits until they have a leader. */
  createTopics(topics: readonly string[]): Promise<void>;
  /** Stops the broker and removes its data. */
  stop(): Promise<void>;
}

const LOG4J = `log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
`;

function serverProperties(brokerPort: number, saslPort: number, controllerPort: number, dir: string): string {
  const { username, password } = KAFKA_SASL_USER;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort},SASL_PLAINTEXT://127.0.0.1:${saslPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_${username}="${password}";`,
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
    `log.dirs=${path.join(dir, 'data')}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    '',
  ].join('\n');
}

/** A small, quick-starting JVM: the machine has 2 cores shared by everything. */
const JVM_OPTS = ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];

export async function startKafka(): Promise<KafkaPeer> {
  const libs = await kafkaLibs();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-kafka-'));
  const [brokerPort, saslPort, controllerPort] = [await freePort(), await freePort(), await freePort()];
  const props = path.join(dir, 'server.properties');
  await writeFile(props, serverProperties(brokerPort, saslPort, controllerPort, dir));
  await writeFile(path.join(dir, 'log4j.properties'), LOG4J);
  const classpath = `${libs}/*`;
  const java = (cls: string, args: readonly string[]) => [
    ...JVM_OPTS,
    `-Dlog4j.configuration=file:${path.join(dir, 'log4j.properties')}`,
    '-cp',
    classpath,
    cls,
    ...args,
  ];
  const clusterId = randomBytes(16).toString('base64url');
  // SCRAM credentials live in the cluster metadata; KRaft takes them at format time.
  const scram = (m: string) => ['--add-scram', `${m}=[name=${KAFKA_SASL_USER.username},password=${KAFKA_SASL_USER.password}]`];
  const format = ['format', '-t', clusterId, '-c', props, '--ignore-formatted', ...scram('SCRAM-SHA-256'), ...scram('SCRAM-SHA-512')];
  await run('java', java('kafka.tools.StorageTool', format), { timeout: 120_000 });

  const broker = `127.0.0.1:${brokerPort}`;
  const admin = new Kafka({ clientId: 'vigil-test-admin', brokers: [broker], logLevel: logLevel.NOTHING, retry: { retries: 2 } }).admin();
  let current: Peer | undefined;

  const startBroker = async (): Promise<void> => {
    if ((await isListening(brokerPort)) || (await isListening(saslPort)) || (await isListening(controllerPort)))
      throw new Error(`kafka: port ${brokerPort} or ${controllerPort} was taken meanwhile`);
    const peer = await spawnPeer('kafka', 'java', java('kafka.Kafka', [props]));
    current = peer;
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (peer.exit !== undefined) throw new Error(`kafka exited (code ${peer.exit.code}) before it was ready:\n${tail(peer.stderr() + peer.stdout())}`);
      if (await isListening(brokerPort)) {
        try {
          await admin.connect();
          await admin.describeCluster();
          return;
        } catch {
          await admin.disconnect().catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        await peer.stop('SIGKILL');
        throw new Error(`kafka not ready in 90 s:\n${tail(peer.stderr() + peer.stdout())}`);
      }
      await sleep(250);
    }
  };

  const stopBroker = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit | undefined> => {
    await admin.disconnect().catch(() => undefined);
    const peer = current;
    current = undefined;
    return peer?.stop(signal, 30_000);
  };

  try {
    await startBroker();
  } catch (err) {
    await stopBroker('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    broker,
    saslBroker: `127.0.0.1:${saslPort}`,
    dir,
    get process() {
      return current;
    },
    stopBroker,
    startBroker,
    createTopics: async (topics) => {
      await admin.connect();
      await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })), waitForLeaders: true });
    },
    stop: async () => {
      await stopBroker('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------- the documented message schemas (docs/schemas/kafka-*.schema.json) ----------

const SCHEMA_DIR = fileURLToPath(new URL('../../docs/schemas/', import.meta.url));
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

type MessageKind = 'metrics' | 'anomalies' | 'alerts';

/** Validates a decoded message against its topic's JSON Schema; returns ajv's errors as text, or undefined when valid. */
export type MessageValidator = (kind: MessageKind, message: unknown) => string | undefined;

export async function kafkaMessageValidator(): Promise<MessageValidator> {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const ajv = new Ajv2020({ strict: true, allErrors: true, formats: { 'date-time': (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)) } });
  const validators = new Map<MessageKind, ReturnType<typeof ajv.compile>>();
  for (const kind of ['metrics', 'anomalies', 'alerts'] as const) {
    const schema = JSON.parse(await readFile(path.join(SCHEMA_DIR, `kafka-${kind}.schema.json`), 'utf8')) as object;
    validators.set(kind, ajv.compile(schema));
  }
  return (kind, message) => {
    const validate = validators.get(kind)!;
    return validate(message) ? undefined : ajv.errorsText(validate.errors);
  };
}

// ---------- reading topics back ----------

export interface ReadMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: string;
  readonly timestamp: string;
}

/**
 * Reads `topics` from the beginning with a kafkajs consumer (a fresh group) until `enough(messages)`
 * holds or `timeoutMs` passes; returns what it read either way.
 */
export async function readTopics(
  broker: string,
  topics: readonly string[],
  enough: (messages: readonly ReadMessage[]) => boolean,
  timeoutMs = 30_000,
): Promise<ReadMessage[]> {
  const kafka = new Kafka({ clientId: 'vigil-test-reader', brokers: [broker], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `vigil-test-${randomBytes(6).toString('hex')}`, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        messages.push({ topic, key: message.key?.toString('utf8') ?? null, value: message.value?.toString('utf8') ?? '', timestamp: message.timestamp });
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (!enough(messages) && Date.now() < deadline) await sleep(200);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return messages;
}
