// The Prometheus scrape endpoint: @opentelemetry/exporter-prometheus's serializer writing the latest
// snapshot (through SnapshotMetricProducer) plus the SDK's own instruments (process metrics, tick
// histogram). node_exporter compatibility: no otel_scope_name label and no target_info family.
//
// Scrapes share work: the text is built at most once per tick, plus at most once per `maxAgeMs` for
// the live SDK instruments (process CPU, RSS, open fds), and concurrent scrapes of a stale text wait
// for one build in flight. Every scrape of one build is answered with the same Buffer (and the same
// gzip of it, made once when a client first asks for gzip), so a scrape storm costs references to
// one text, not one text per scrape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { diag } from '@opentelemetry/api';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { counter, type Sample } from '../../core/samples.ts';
import type { TickOutput } from '../../core/tick-output.ts';
import type { Sink } from '../sink.ts';
import type { MetricCatalog } from './metric-catalog.ts';
import { SnapshotMetricProducer } from './snapshot-producer.ts';

const gzip = promisify(gzipCallback);

/** The classic Prometheus text format. */
const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** How long a text built in this tick serves scrapes before the live instruments are read again. */
export const SCRAPE_TEXT_MAX_AGE_MS = 1000;

/** One build of the text: for one snapshot (its generation), at one moment. */
interface ScrapeText {
  readonly generation: number;
  readonly builtAt: number;
  readonly body: Buffer;
  /** The same body gzipped, made on the first scrape that accepts gzip. */
  gzipped: Promise<Buffer> | undefined;
}

/** Whether an Accept-Encoding header takes gzip (q=0 refuses it). */
function acceptsGzip(header: string | undefined): boolean {
  if (header === undefined) return false;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

export interface PrometheusSinkOptions {
  /** See SCRAPE_TEXT_MAX_AGE_MS. */
  readonly maxAgeMs?: number;
  /** Monotonic milliseconds; tests pass their own. */
  readonly now?: () => number;
}

export class PrometheusSink implements Sink {
  readonly name = 'prometheus';
  readonly producer: SnapshotMetricProducer;
  /** The metric reader to register with the agent's MeterProvider. */
  readonly exporter: PrometheusExporter;
  private readonly serializer = new PrometheusSerializer('', false, undefined, true, true);
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** Bumped by every snapshot: a text of an older generation is never served to a later scrape. */
  private generation = 0;
  private latest: ScrapeText | undefined;
  private inFlight: { readonly generation: number; readonly text: Promise<ScrapeText> } | undefined;
  /** Texts built so far (vigil_scrape_cache_builds_total). */
  builds = 0;

  constructor(catalog: MetricCatalog, startMs: number, opts: PrometheusSinkOptions = {}) {
    this.producer = new SnapshotMetricProducer(catalog, startMs, { colonNamesAsText: true });
    this.exporter = new PrometheusExporter({
      preventServerStart: true,
      withoutScopeInfo: true,
      withoutTargetInfo: true,
      metricProducers: [this.producer],
    });
    this.maxAgeMs = opts.maxAgeMs ?? SCRAPE_TEXT_MAX_AGE_MS;
    this.now = opts.now ?? (() => performance.now());
  }

  async start(): Promise<void> {}

  send(tick: TickOutput): void {
    this.producer.update(tick.snapshot);
    this.generation++;
  }

  selfSamples(): Sample[] {
    return [counter('vigil_scrape_cache_builds_total', {}, this.builds)];
  }

  /**
   * The text for a scrape now: the latest build when it is of the current snapshot and younger than
   * maxAgeMs, else the build in flight for the current snapshot, else a new build.
   */
  text(): Promise<ScrapeText> {
    const latest = this.latest;
    if (latest !== undefined && latest.generation === this.generation && this.now() - latest.builtAt < this.maxAgeMs) return Promise.resolve(latest);
    if (this.inFlight !== undefined && this.inFlight.generation === this.generation) return this.inFlight.text;
    const generation = this.generation;
    const text = this.build(generation).finally(() => {
      if (this.inFlight?.text === text) this.inFlight = undefined;
    });
    this.inFlight = { generation, text };
    return text;
  }

  private async build(generation: number): Promise<ScrapeText> {
    this.builds++;
    const builtAt = this.now();
    // Recorded series (names with colons) follow the exporter's text: it would rename them.
    const colonText = this.producer.colonText;
    let body: string;
    let cacheable = true;
    try {
      const { resourceMetrics, errors } = await this.exporter.collect();
      if (errors.length > 0) diag.error('PrometheusExporter: metrics collection errors', ...errors);
      body = this.serializer.serialize(resourceMetrics) + colonText;
    } catch (err) {
      // The exporter's own answer to a failed collection; not kept, so the next scrape tries again.
      body = `# failed to export metrics: ${String(err)}` + colonText;
      cacheable = false;
    }
    const text: ScrapeText = { generation, builtAt, body: Buffer.from(body, 'utf8'), gzipped: undefined };
    const latest = this.latest;
    if (cacheable && (latest === undefined || generation > latest.generation || (generation === latest.generation && builtAt >= latest.builtAt)))
      this.latest = text;
    return text;
  }

  /** Handles GET /metrics (and HEAD). */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const gzipWanted = acceptsGzip(req.headers['accept-encoding'] as string | undefined);
    this.text()
      .then(async (text) => {
        if (!gzipWanted) return { body: text.body, encoding: undefined };
        text.gzipped ??= gzip(text.body);
        return { body: await text.gzipped, encoding: 'gzip' };
      })
      .then(
        ({ body, encoding }) => {
          if (res.destroyed) return;
          res.writeHead(200, {
            'content-type': PROMETHEUS_CONTENT_TYPE,
            'content-length': body.length,
            vary: 'Accept-Encoding',
            ...(encoding !== undefined ? { 'content-encoding': encoding } : {}),
          });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => {
          if (!res.destroyed) res.writeHead(500, { 'content-type': 'text/plain' }).end(`# failed to export metrics: ${String(err)}\n`);
        },
      );
  }

  async stop(): Promise<void> {
    await this.exporter.shutdown();
  }
}
