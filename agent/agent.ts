// The daemon: build the enabled components from config, then tick — collect → detect → evaluate
// → emit — at a fixed interval. Components start in order and stop in reverse.
import type { Logger } from 'pino';
import type { CollectorFactory } from '../collectors/collector.ts';
import { collectorList } from '../collectors/registry.ts';
import { MetricCatalog } from '../sinks/prometheus/metric-catalog.ts';
import { PrometheusSink } from '../sinks/prometheus/prometheus-sink.ts';
import { sinkList } from '../sinks/registry.ts';
import { detectorList } from '../detectors/registry.ts';
import type { Sink } from '../sinks/sink.ts';
import { type AlertingStage, createAlertingStage } from '../alerts/alerting-stage.ts';
import type { DetectorStage } from '../detectors/detector-stage.ts';
import { combineDetectors } from '../detectors/detector.ts';
import { collectAll, type RunningCollector, runningCollector } from './collect.ts';
import type { Context, StageContext } from '../core/component.ts';
import { type CollectorConfig, type Config, optionsAt } from './config.ts';
import { durationMs } from '../core/duration.ts';
import { ErrorCode } from '../core/errors.ts';
import { logRuntime } from './runtime-check.ts';
import { withEnvPasswords } from './secrets.ts';
import { SELF_METRICS, selfSamples } from './self-metrics.ts';
import { AgentServer } from './server.ts';
import type { Snapshot } from '../core/snapshot.ts';
import type { TickOutput } from '../core/tick-output.ts';
import type { UserError } from '../core/errors.ts';
import { hostname } from 'node:os';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createTelemetry, type Telemetry } from './telemetry.ts';
import { TickScheduler } from './tick-scheduler.ts';
import { VERSION } from '../core/version.ts';
import { logFailure } from '../core/log-failure.ts';
import { withTimeout } from '../core/with-timeout.ts';
import { stateWrites } from '../core/state-writes.ts';
import { NODE_PAGE_METRICS, NodePageService } from '../web/node-page.ts';
import { RUNBOOK_STATE_SLOT } from '../alerts/runbooks/render.ts';

export interface AgentOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly factories?: readonly CollectorFactory<object>[];
  readonly now?: () => number;
  /** The process environment, for secrets the config names by variable (`passwordEnv`); components never read it. */
  readonly env?: NodeJS.ProcessEnv;
}

/** $NODE_NAME (Kubernetes downward API) else the host name; config `nodeName` wins over both. */
function resolveNodeName(config: Config, env: NodeJS.ProcessEnv): string {
  return config.nodeName || env.NODE_NAME || hostname();
}

/** The URL others reach this agent at (runbook links, generatorURL). */
function resolveExternalUrl(config: Config, nodeName: string): string {
  if (config.externalUrl !== '') return config.externalUrl.replace(/\/+$/, '');
  const port = config.listen.slice(config.listen.lastIndexOf(':') + 1);
  return `http://${nodeName}:${port}`;
}

/**
 * A component's options from its config key, with every `passwordEnv` resolved here, so that the
 * component gets the password, not the variable.
 */
const componentOptions = (config: Config, key: string, env: NodeJS.ProcessEnv): object => withEnvPasswords(optionsAt(config, key), env) as object;

/** Options of a collector configured at a top-level key (`postgres`): created only when configured. */
function topLevelCollectorConfig(config: Config, f: CollectorFactory<object>, env: NodeJS.ProcessEnv): CollectorConfig {
  const options = componentOptions(config, f.configKey!, env);
  return { enabled: f.isConfigured?.(options) ?? true, ...options };
}

/** Everything the agent runs, built by Agent.create in dependency order. */
interface AgentParts {
  readonly collectors: RunningCollector[];
  readonly prometheus: PrometheusSink;
  readonly sinks: Sink[];
  readonly telemetry: Telemetry;
  readonly detector: DetectorStage;
  readonly alerting: AlertingStage;
  readonly stageContext: StageContext;
  readonly abort: AbortController;
}

export class Agent {
  private readonly config: Config;
  private readonly logger: Logger;
  private readonly abort: AbortController;
  private readonly collectors: RunningCollector[];
  private readonly prometheus: PrometheusSink;
  private readonly sinks: Sink[];
  private readonly detector: DetectorStage;
  private readonly alerting: AlertingStage;
  readonly stageContext: StageContext;
  private readonly telemetry: Telemetry;
  private readonly scheduler: TickScheduler;
  private readonly server: AgentServer;
  private readonly now: () => number;
  private readonly buildLabels = Object.freeze({ version: VERSION });
  private ticks = 0;
  /** The wall-clock time of the previous tick, to tell a clock stepped back. */
  private lastTickAt: number | undefined;
  private lastSnapshot: Snapshot | undefined;
  /** GET / and /api/v1/{status,anomalies,series}; undefined when nodePage.enabled is false. */
  private readonly nodePage: NodePageService | undefined;

  private constructor(opts: AgentOptions, parts: AgentParts) {
    this.config = opts.config;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    ({ collectors: this.collectors, prometheus: this.prometheus, sinks: this.sinks, telemetry: this.telemetry } = parts);
    ({ detector: this.detector, alerting: this.alerting, stageContext: this.stageContext, abort: this.abort } = parts);
    this.nodePage = this.config.nodePage.enabled
      ? new NodePageService(this.config.nodePage, {
          nodeName: this.stageContext.nodeName,
          version: VERSION,
          startedAt: this.now(),
          intervalMs: durationMs(this.config.interval),
          detectorEnabled: this.config.detector.enabled,
          hasRunbook: (name) => this.alerting.runbookHtml(name) !== undefined,
        })
      : undefined;
    if (this.nodePage?.telemetryProblem !== undefined) {
      logFailure(this.logger, 'warn', ErrorCode.RUNBOOKS_UNAVAILABLE, this.nodePage.telemetryProblem, 'the node page is served without Faro telemetry');
    }
    const nodePage = this.nodePage;
    this.server = new AgentServer({
      prometheus: this.prometheus,
      ready: () => this.lastSnapshot !== undefined,
      logger: this.logger,
      alertsApi: () => this.alerting.alertsApi(),
      runbookHtml: (name) => {
        const html = this.alerting.runbookHtml(name);
        // The alert's state on this node, filled per request (the page is otherwise rendered once).
        return html !== undefined && nodePage !== undefined ? html.replace(RUNBOOK_STATE_SLOT, nodePage.runbookState(name, this.now())) : html;
      },
      faroCollect: (body) => {
        const ok = this.alerting.faroCollect(body);
        if (ok) nodePage?.faroCollect(body);
        return ok;
      },
      ...(nodePage !== undefined ? { nodePage: (path: string, query: string) => nodePage.handle(path, query, this.now()) } : {}),
    });
    this.scheduler = new TickScheduler(durationMs(this.config.interval), () => this.tick(), () =>
      this.logger.warn({ code: ErrorCode.TICK_OVERRUN, interval: this.config.interval }, 'tick overran its interval; next tick skipped'),
      (err) => logFailure(this.logger, 'error', ErrorCode.TICK_FAILED, err, 'tick failed'),
    );
  }

  /**
   * Builds every component in dependency order: collectors; the metric catalog and sinks (whose
   * metric readers the MeterProvider needs); the stages, which get a Meter. What must be valid before
   * anything starts (rule files) is checked here: with errors (file, line, rule, reason) nothing is
   * built and nothing is started.
   */
  static async create(opts: AgentOptions): Promise<{ ok: true; agent: Agent } | { ok: false; errors: UserError[] }> {
    const { config, logger } = opts;
    const now = opts.now ?? Date.now;
    const env = opts.env ?? {};
    const abort = new AbortController();
    const factories = opts.factories ?? collectorList;
    const ctx: Context = { logger, now, paths: config.paths, signal: abort.signal };

    const collectors: RunningCollector[] = [];
    const collectorConfigs = config.collectors as Record<string, CollectorConfig | undefined>;
    for (const f of factories) {
      const { enabled, ...options } =
        f.configKey !== undefined ? topLevelCollectorConfig(config, f, env) : (collectorConfigs[f.name] ?? { enabled: f.defaultEnabled });
      if (enabled) collectors.push(runningCollector(f.name, f.create(options, { ...ctx, logger: logger.child({ collector: f.name }) })));
    }

    const catalog = new MetricCatalog([...SELF_METRICS, ...factories.flatMap((f) => f.metrics)], factories.flatMap((f) => f.dynamicMetrics ?? []));
    const nodeName = resolveNodeName(config, env);
    const base = { ...ctx, stateDir: config.stateDir, nodeName, externalUrl: resolveExternalUrl(config, nodeName), env };
    const prometheus = new PrometheusSink(catalog, now());
    const sinkContext = { ...base, logger: logger.child({ stage: 'sinks' }), catalog, evaluationIntervalMs: durationMs(config.alerting.evaluationInterval) };
    const sinks: Sink[] = [prometheus];
    for (const f of sinkList) {
      const options = componentOptions(config, f.configKey, env);
      if (f.enabled(options)) sinks.push(f.create(options, sinkContext));
    }
    const telemetry = createTelemetry([prometheus.exporter, ...sinks.flatMap((s) => s.metricReaders ?? [])], performance.timeOrigin);
    const stageContext: StageContext = { ...base, meter: telemetry.provider.getMeter('vigil') };

    const detectors: DetectorStage[] = [];
    for (const f of detectorList) {
      const options = componentOptions(config, f.configKey, env);
      if (f.enabled(options)) detectors.push(f.create(options, { ...stageContext, logger: logger.child({ stage: 'detector' }) }));
    }
    const detector = combineDetectors(detectors);
    const alerting = await createAlertingStage(config.alerting, { ...stageContext, logger: logger.child({ stage: 'alerting' }) });
    if (!alerting.ok) {
      await telemetry.shutdown().catch(() => undefined);
      return alerting;
    }
    for (const specs of [detector.metrics, alerting.stage.metrics, ...sinks.map((s) => s.metrics ?? [])]) catalog.add(specs);
    if (config.nodePage.enabled) catalog.add(NODE_PAGE_METRICS);
    const parts: AgentParts = { collectors, prometheus, sinks, telemetry, detector, alerting: alerting.stage, stageContext, abort };
    return { ok: true, agent: new Agent(opts, parts) };
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
    stateWrites.setStart(this.now());
    await this.server.listen(this.config.listen);
    await this.detector.start(this.abort.signal);
    await this.alerting.start(this.abort.signal);
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
    // One span per tick, children per collector and stage; no-ops unless the OTLP sink registered a tracer provider.
    const tracer = trace.getTracer('vigil');
    const tickSpan = tracer.startSpan('tick', { root: true });
    const parent = trace.setSpan(ROOT_CONTEXT, tickSpan);
    try {
      const t0 = performance.now();
      const timestamp = this.now();
      if (this.lastTickAt !== undefined && timestamp < this.lastTickAt) {
        this.logger.warn(
          { code: ErrorCode.CLOCK_STEPPED_BACK, seconds: (this.lastTickAt - timestamp) / 1000 },
          'the wall clock stepped back; the rule history drops new points until it passes the newest stored one',
        );
      }
      this.lastTickAt = timestamp;
      const samples = await collectAll(this.collectors, durationMs(this.config.collectorTimeout), this.logger, { tracer, parent });
      this.ticks++;
      for (const s of selfSamples(
        this.collectors.map((c) => c.outcome),
        { ticks: this.ticks, overruns: this.scheduler.overruns },
        this.buildLabels,
      )) {
        samples.push(s);
      }
      for (const sink of this.sinks) for (const s of sink.selfSamples?.() ?? []) samples.push(s);
      for (const s of this.nodePage?.samples() ?? []) samples.push(s);
      const collected: Snapshot = Object.freeze({ timestamp, samples });
      // Each later stage sees what came before it: the rules see the detector's scores too.
      const detectSpan = tracer.startSpan('detect', { attributes: { 'vigil.samples': samples.length } }, parent);
      const detected = await this.detector.score(collected).finally(() => detectSpan.end());
      const scored: Snapshot = detected.samples.length === 0 ? collected : Object.freeze({ timestamp, samples: samples.concat(detected.samples) });
      const alertSpan = tracer.startSpan('evaluate_alerts', undefined, parent);
      const evaluated = await this.alerting.evaluate(scored).finally(() => alertSpan.end());
      const snapshot: Snapshot = evaluated.samples.length === 0 ? scored : Object.freeze({ timestamp, samples: scored.samples.concat(evaluated.samples) });
      const output: TickOutput = { snapshot, anomalies: detected.anomalies, alerts: evaluated.alerts, alertTransitions: evaluated.transitions };
      const sendSpan = tracer.startSpan('send_sinks', { attributes: { 'vigil.alert_transitions': output.alertTransitions.length } }, parent);
      for (const sink of this.sinks) {
        try {
          sink.send(output);
        } catch (err) {
          logFailure(this.logger, 'error', ErrorCode.SINK_FAILED, err, 'sink failed to accept a snapshot', { sink: sink.name });
        }
      }
      sendSpan.end();
      this.lastSnapshot = snapshot;
      const seconds = (performance.now() - t0) / 1000;
      this.updateNodePage(output, seconds);
      this.telemetry.tickDuration.record(seconds);
    } finally {
      tickSpan.end();
    }
  }

  /** Hands the tick to the node page; a failure there is logged and never fails the tick. */
  private updateNodePage(output: TickOutput, tickSeconds: number): void {
    if (this.nodePage === undefined) return;
    try {
      const collectors = this.collectors.map(({ name, outcome: o }) => ({
        name,
        success: o.success,
        durationSeconds: o.durationSeconds,
        ...(o.lastError !== undefined ? { lastError: o.lastError, lastErrorAt: o.lastErrorAt } : {}),
      }));
      this.nodePage.update(output, collectors, tickSeconds);
    } catch (err) {
      logFailure(this.logger, 'error', ErrorCode.TICK_FAILED, err, 'the node page could not take this tick');
    }
  }

  /**
   * Stops within `graceMs`, what must survive first: the tick in flight (at most a quarter of the
   * time), then the state (alert state, rule history, detector state) is persisted, then every sink
   * flushes in parallel, each within what is left, then the server and telemetry. Whatever does not
   * finish in time is given up and logged (code, component), never waited for.
   */
  async stop(graceMs = 4000): Promise<void> {
    const deadline = Date.now() + graceMs;
    const left = () => Math.max(0, deadline - Date.now());
    await this.scheduler.stop(graceMs / 4);
    this.abort.abort();
    // State first: a sink that cannot reach its endpoint must not cost the alert or detector state.
    await this.bounded('alerting', this.alerting.stop(), left() / 2);
    await this.bounded('detector', this.detector.stop(), left() / 2);
    await Promise.all([...this.sinks].reverse().map((sink) => this.bounded(`sink ${sink.name}`, sink.stop(), left() * 0.8)));
    await this.bounded('server', this.server.close(), left() / 2);
    await this.bounded('telemetry', this.telemetry.shutdown(), left());
    this.logger.info('vigil stopped');
  }

  /** Waits for one part's stop at most `ms`; a failure or a timeout is logged, never thrown. */
  private async bounded(part: string, stopping: Promise<unknown>, ms: number): Promise<void> {
    try {
      const r = await withTimeout(stopping, ms);
      if (!r.done) logFailure(this.logger, 'warn', ErrorCode.STOP_INCOMPLETE, undefined, 'did not stop in time; given up', { part, waitedMs: Math.round(ms) });
    } catch (err) {
      logFailure(this.logger, 'warn', ErrorCode.STOP_INCOMPLETE, err, 'failed while stopping', { part });
    }
  }
}
