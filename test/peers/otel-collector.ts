// A real OpenTelemetry Collector (built by test/peers/otel-collector/build.sh: the OTLP receiver and
// contrib's file exporter) on free loopback ports, writing what it receives as OTLP JSON lines, one
// file per signal, in a temp dir. Tests read those files back.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Peer, PortTakenError, freePort, isListening, spawnPeer, tail } from './child.ts';

const BUILD_SCRIPT = fileURLToPath(new URL('./otel-collector/build.sh', import.meta.url));

/** The collector binary: $VIGIL_TEST_OTELCOL, else built (once, cached under $HOME) by the build script. */
async function otelCollectorBinary(): Promise<string> {
  if (process.env.VIGIL_TEST_OTELCOL) return process.env.VIGIL_TEST_OTELCOL;
  const { stdout } = await promisify(execFile)('bash', [BUILD_SCRIPT], { maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60_000 });
  return stdout.trim().split('\n').pop()!;
}

/** OTLP JSON as the file exporter writes it (the fields tests read). */
export interface OtlpAttribute {
  readonly key: string;
  readonly value: { stringValue?: string; intValue?: string; doubleValue?: number; boolValue?: boolean };
}
interface OtlpNumberPoint {
  readonly attributes?: readonly OtlpAttribute[];
  readonly asDouble?: number;
  readonly asInt?: string;
  readonly timeUnixNano?: string;
}
export interface OtlpMetric {
  readonly name: string;
  readonly description?: string;
  readonly gauge?: { dataPoints: readonly OtlpNumberPoint[] };
  readonly sum?: { dataPoints: readonly OtlpNumberPoint[]; isMonotonic?: boolean; aggregationTemporality?: number };
  readonly histogram?: { dataPoints: readonly { count?: string; attributes?: readonly OtlpAttribute[] }[] };
}
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes?: readonly OtlpAttribute[];
  readonly status?: { code?: number; message?: string };
}
interface OtlpResource {
  readonly attributes?: readonly OtlpAttribute[];
}
export interface ResourceMetrics {
  readonly resource?: OtlpResource;
  readonly scopeMetrics?: readonly { scope?: { name?: string }; metrics?: readonly OtlpMetric[] }[];
}
interface ResourceSpans {
  readonly resource?: OtlpResource;
  readonly scopeSpans?: readonly { scope?: { name?: string }; spans?: readonly OtlpSpan[] }[];
}

export interface OtelCollectorPeer extends Peer {
  /** 127.0.0.1:<port> of the OTLP/gRPC receiver. */
  readonly grpcEndpoint: string;
  /** http://127.0.0.1:<port> of the OTLP/HTTP receiver (the base: /v1/metrics, /v1/traces). */
  readonly httpEndpoint: string;
  readonly dir: string;
  /** Every export request the collector wrote so far. */
  metrics(): Promise<ResourceMetrics[]>;
  spans(): Promise<ResourceSpans[]>;
}

/** An attribute's value as a string (OTLP JSON spells ints as strings). */
export function attr(attrs: readonly OtlpAttribute[] | undefined, key: string): string | undefined {
  const v = attrs?.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  return v.stringValue ?? v.intValue ?? (v.doubleValue !== undefined ? String(v.doubleValue) : v.boolValue !== undefined ? String(v.boolValue) : undefined);
}

async function readJsonLines<T>(file: string, field: string): Promise<T[]> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const request = JSON.parse(line) as Record<string, T[] | undefined>;
      out.push(...(request[field] ?? []));
    } catch {
      // The last line may be half written.
    }
  }
  return out;
}

function collectorConfig(grpcPort: number, httpPort: number, dir: string): string {
  const file = (name: string) => ({ path: path.join(dir, `${name}.jsonl`), flush_interval: '200ms' });
  return JSON.stringify({
    receivers: { otlp: { protocols: { grpc: { endpoint: `127.0.0.1:${grpcPort}` }, http: { endpoint: `127.0.0.1:${httpPort}` } } } },
    exporters: { 'file/metrics': file('metrics'), 'file/traces': file('traces') },
    service: {
      // Its own telemetry would listen on :8888; nothing but the receiver may open a port.
      telemetry: { metrics: { level: 'none' }, logs: { level: 'info' } },
      pipelines: {
        metrics: { receivers: ['otlp'], exporters: ['file/metrics'] },
        traces: { receivers: ['otlp'], exporters: ['file/traces'] },
      },
    },
  });
}

async function startOnce(binary: string, dir: string): Promise<OtelCollectorPeer> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const configFile = path.join(dir, 'config.yaml');
  await writeFile(configFile, collectorConfig(grpcPort, httpPort, dir));
  const peer = await spawnPeer('otelcol', binary, [`--config=${configFile}`]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (peer.exit !== undefined) {
      const out = peer.stderr() + peer.stdout();
      if (/address already in use/.test(out)) throw new PortTakenError(out);
      throw new Error(`otelcol exited (code ${peer.exit.code}) before it was ready:\n${tail(out)}`);
    }
    if (/Everything is ready/.test(peer.stderr()) && (await isListening(httpPort)) && (await isListening(grpcPort))) break;
    if (Date.now() > deadline) {
      await peer.stop('SIGKILL');
      throw new Error(`otelcol not ready in 30 s:\n${tail(peer.stderr())}`);
    }
    await sleep(100);
  }
  return {
    ...peer,
    get exit() {
      return peer.exit;
    },
    grpcEndpoint: `127.0.0.1:${grpcPort}`,
    httpEndpoint: `http://127.0.0.1:${httpPort}`,
    dir,
    metrics: () => readJsonLines<ResourceMetrics>(path.join(dir, 'metrics.jsonl'), 'resourceMetrics'),
    spans: () => readJsonLines<ResourceSpans>(path.join(dir, 'traces.jsonl'), 'resourceSpans'),
    stop: async (signal, graceMs) => {
      const exit = await peer.stop(signal, graceMs);
      await rm(dir, { recursive: true, force: true });
      return exit;
    },
  };
}

export async function startOtelCollector(): Promise<OtelCollectorPeer> {
  const binary = await otelCollectorBinary();
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-otelcol-'));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binary, dir);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= 4) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}
