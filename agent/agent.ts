// The daemon: build the enabled components from config, then tick — collect → (detect → evaluate)
// → emit — at a fixed interval. Components start in order and stop in reverse.
import type { Logger } from 'pino';
import type { CollectorFactory } from '../collectors/collector.ts';
import { collectorList } from '../collectors/registry.ts';
import { MetricCatalog } from '../sinks/prometheus/metric-catalog.ts';
import { PrometheusSink } from '../sinks/prometheus/prometheus-sink.ts';
import type { Sink } from '../sinks/sink.ts';
import { collectAll, type RunningCollector, runningCollector } from './collect.ts';
import type { Context } from './component.ts';
import type { CollectorConfig, Config } from './config.ts';
import { durationMs } from './duration.ts';
import { ErrorCode } from './errors.ts';
import { logRuntime } from './runtime-check.ts';
import { withEnvPasswords } from './secrets.ts';
import { SELF_METRICS, selfSamples } from './self-metrics.ts';
import { AgentServer } from './server.ts';
import type { Snapshot } from './snapshot.ts';
import { createTelemetry, type Telemetry } from './telemetry.ts';
import { TickScheduler } from './tick-scheduler.ts';
import { VERSION } from './version.ts';

export interface AgentOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly factories?: readonly CollectorFactory<object>[];
  readonly now?: () => number;
  /** The process environment, for secrets the config names by variable (`passwordEnv`); components never read it. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Options of a collector configured at a top-level key (`postgres`): created only when configured,
 * with every `passwordEnv` resolved here, so that the component gets the password, not the variable.
 */
function topLevelCollectorConfig(config: Config, f: CollectorFactory<object>, env: NodeJS.ProcessEnv): CollectorConfig {
  const options = withEnvPasswords((config as unknown as Record<string, unknown>)[f.configKey!], env) as object;
  return { enabled: f.isConfigured?.(options) ?? true, ...options };
}

export class Agent {
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly collectors: RunningCollector[] = [];
  private readonly prometheus: PrometheusSink;
  private readonly sinks: Sink[];
  private readonly telemetry: Telemetry;
  private readonly scheduler: TickScheduler;
  private readonly server: AgentServer;
  private readonly now: () => number;
  private readonly buildLabels = Object.freeze({ version: VERSION });
  private ticks = 0;
  private lastSnapshot: Snapshot | undefined;

  constructor(opts: AgentOptions) {
    this.config = opts.config;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    const factories = opts.factories ?? collectorList;
    const ctx: Context = { logger: this.logger, now: this.now, paths: this.config.paths, signal: this.abort.signal };
    const collectorConfigs = this.config.collectors as Record<string, CollectorConfig | undefined>;
    for (const f of factories) {
      const { enabled, ...options } =
        f.configKey !== undefined ? topLevelCollectorConfig(this.config, f, opts.env ?? {}) : (collectorConfigs[f.name] ?? { enabled: f.defaultEnabled });
      if (enabled) this.collectors.push(runningCollector(f.name, f.create(options, ctx.logger ? { ...ctx, logger: this.logger.child({ collector: f.name }) } : ctx)));
    }
    const catalog = new MetricCatalog(
      [...SELF_METRICS, ...factories.flatMap((f) => f.metrics)],
      factories.flatMap((f) => f.dynamicMetrics ?? []),
    );
    this.prometheus = new PrometheusSink(catalog, this.now());
    this.sinks = [this.prometheus];
    this.telemetry = createTelemetry([this.prometheus.exporter], performance.timeOrigin);
    this.server = new AgentServer({ prometheus: this.prometheus, ready: () => this.lastSnapshot !== undefined, logger: this.logger });
    this.scheduler = new TickScheduler(durationMs(this.config.interval), () => this.tick(), () =>
      this.logger.warn({ code: ErrorCode.TICK_OVERRUN, interval: this.config.interval }, 'tick overran its interval; next tick skipped'),
      (err) => this.logger.error({ err: (err as Error).message }, 'tick failed'),
    );
  }

  /** The latest snapshot (tests and the CLI read it). */
  get snapshot(): Snapshot | undefined {
    return this.lastSnapshot;
  }

  /** The address the HTTP server listens on, once started. */
  get address(): { host: string; port: number } | undefined {
    return this.server.address;
  }

  async start(): Promise<void> {
    await this.server.listen(this.config.listen);
    for (const sink of this.sinks) await sink.start(this.abort.signal);
    this.scheduler.start();
    this.logger.info(
      { listen: this.server.address, interval: this.config.interval, collectors: this.collectors.map((c) => c.name), version: VERSION },
      'vigil started',
    );
    // Not awaited: a diagnostic that must not delay the first tick or readiness.
    void logRuntime(this.logger, this.config.paths);
  }

  /** One pass of the pipeline. Never throws: every stage keeps its failures to itself. */
  async tick(): Promise<void> {
    const t0 = performance.now();
    const timestamp = this.now();
    const samples = await collectAll(this.collectors, durationMs(this.config.collectorTimeout), this.logger);
    this.ticks++;
    for (const s of selfSamples(
      this.collectors.map((c) => c.outcome),
      { ticks: this.ticks, overruns: this.scheduler.overruns },
      this.buildLabels,
    )) {
      samples.push(s);
    }
    const snapshot: Snapshot = Object.freeze({ timestamp, samples });
    for (const sink of this.sinks) {
      try {
        sink.send(snapshot);
      } catch (err) {
        this.logger.error({ sink: sink.name, err: (err as Error).message }, 'sink failed to accept a snapshot');
      }
    }
    this.lastSnapshot = snapshot;
    this.telemetry.tickDuration.record((performance.now() - t0) / 1000);
  }

  /** Stops within `graceMs`: scheduling, then sinks and server, in reverse order of start. */
  async stop(graceMs = 4000): Promise<void> {
    const deadline = Date.now() + graceMs;
    await this.scheduler.stop(Math.max(0, deadline - Date.now()) / 2);
    this.abort.abort();
    for (const sink of [...this.sinks].reverse()) await sink.stop().catch(() => undefined);
    await this.server.close();
    await this.telemetry.shutdown().catch(() => undefined);
    this.logger.info('vigil stopped');
  }
}
