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
import { type AlertingStage, type AlertingStageResult, createAlertingStage } from '../alerts/alerting-stage.ts';
import type { DetectorStage } from '../detectors/detector-stage.ts';
import { combineDetectors } from '../detectors/detector.ts';
import { collectAll, type RunningCollector, runningCollector } from './collect.ts';
import type { Context, StageContext } from '../core/component.ts';
import { type CollectorConfig, type Config, type ConfigResult, optionsAt } from './config.ts';
import { durationMs } from '../core/duration.ts';
import { ErrorCode } from '../core/errors.ts';
import { logRuntime } from './runtime-check.ts';
import { rememberConfigSecrets, withEnvPasswords } from './secrets.ts';
import { type ReloadStatus, SELF_METRICS, selfSamples } from './self-metrics.ts';
import { restartOnlyChanges } from './reload.ts';
import type { SinkFactory } from '../sinks/sink.ts';
import { AgentServer } from './server.ts';
import { loadWebConfig, type WebConfig } from './web-config.ts';
import type { Snapshot } from '../core/snapshot.ts';
import type { TickOutput } from '../core/tick-output.ts';
import type { UserError } from '../core/errors.ts';
import { hostname } from 'node:os';
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { createTelemetry, type Telemetry } from './telemetry.ts';
import { TickScheduler } from './tick-scheduler.ts';
import { VERSION } from '../core/version.ts';
import { logFailure } from '../core/log-failure.ts';
import { redactError } from '../core/redact.ts';
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
  /** Re-reads the config from the same sources as at start (file, environment, flags): what a reload applies. */
  readonly reloadConfig?: () => Promise<ConfigResult>;
}

/** The outcome of one reload: every error, when the new config or a rule file was refused. */
export type ReloadResult = { ok: true } | { ok: false; errors: UserError[] };

/** A running collector with what it was built from and the signal that releases it (its connections). */
interface BuiltCollector {
  readonly rc: RunningCollector;
  readonly options: string;
  readonly abort: AbortController;
}

/** A sink with the options it was built from (JSON), to rebuild only those that changed. */
interface BuiltSink {
  readonly sink: Sink;
  readonly factory: SinkFactory<object> | undefined;
  readonly options: string;
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
  readonly collectors: BuiltCollector[];
  readonly prometheus: PrometheusSink;
  readonly sinks: BuiltSink[];
  readonly sinkContext: Parameters<SinkFactory['create']>[1];
  readonly telemetry: Telemetry;
  readonly detector: DetectorStage;
  readonly alerting: AlertingStage;
  readonly alertingSource: string;
  readonly stageContext: StageContext;
  readonly abort: AbortController;
  readonly web: WebConfig | undefined;
}

export class Agent {
  /** The config in force: the last one loaded or reloaded, with the keys that need a restart kept as started. */
  private config: Config;
  private readonly logger: Logger;
  private readonly abort: AbortController;
  private collectors: BuiltCollector[];
  private readonly prometheus: PrometheusSink;
  private sinks: BuiltSink[];
  private readonly sinkContext: Parameters<SinkFactory['create']>[1];
  private detector: DetectorStage;
  private detectorAbort: AbortController;
  private alerting: AlertingStage;
  private alertingSource: string;
  private alertingAbort: AbortController;
  readonly stageContext: StageContext;
  private readonly telemetry: Telemetry;
  private readonly scheduler: TickScheduler;
  private readonly server: AgentServer;
  private readonly now: () => number;
  private readonly env: NodeJS.ProcessEnv;
  private readonly factories: readonly CollectorFactory<object>[];
  private readonly reloadConfig: (() => Promise<ConfigResult>) | undefined;
  private readonly buildLabels = Object.freeze({ version: VERSION });
  private ticks = 0;
  /** The wall-clock time of the previous tick, to tell a clock stepped back. */
  private lastTickAt: number | undefined;
  private lastSnapshot: Snapshot | undefined;
  /** Ticks and reloads take turns: a reload swaps components between ticks, never during one. */
  private turn: Promise<unknown> = Promise.resolve();
  private reloadRunning: Promise<ReloadResult> | undefined;
  private reloadQueued: Promise<ReloadResult> | undefined;
  private stopping = false;
  private readonly reloadStatus: ReloadStatus;
  /** GET / and /api/v1/{status,anomalies,series}; undefined when nodePage.enabled is false. */
  private readonly nodePage: NodePageService | undefined;

  private constructor(opts: AgentOptions, parts: AgentParts) {
    this.config = opts.config;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
    this.env = opts.env ?? {};
    this.factories = opts.factories ?? collectorList;
    this.reloadConfig = opts.reloadConfig;
    this.reloadStatus = { successful: true, successTimestampSeconds: this.now() / 1000 };
    ({ collectors: this.collectors, prometheus: this.prometheus, sinks: this.sinks, sinkContext: this.sinkContext, telemetry: this.telemetry } = parts);
    ({ detector: this.detector, alerting: this.alerting, alertingSource: this.alertingSource, stageContext: this.stageContext, abort: this.abort } = parts);
    this.detectorAbort = new AbortController();
    this.alertingAbort = new AbortController();
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
      metricsPath: this.config.metricsPath,
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
      ...(this.reloadConfig !== undefined ? { reload: () => this.reload() } : {}),
      ...(parts.web !== undefined ? { web: parts.web } : {}),
      limits: { maxConnections: this.config.web.maxConnections, maxRequests: this.config.web.maxRequests },
      ...(nodePage !== undefined ? { nodePage: (path: string, query: string) => nodePage.handle(path, query, this.now()) } : {}),
    });
    this.scheduler = new TickScheduler(
      durationMs(this.config.interval),
      () => this.inTurn(() => this.tick()),
      () => this.logger.warn({ code: ErrorCode.TICK_OVERRUN, interval: this.config.interval }, 'tick overran its interval; next tick skipped'),
      (err) => logFailure(this.logger, 'error', ErrorCode.TICK_FAILED, err, 'tick failed'),
    );
  }

  /** The collectors the config enables, each with the options it was built from (passwords resolved). */
  private static collectorOptions(
    config: Config,
    factories: readonly CollectorFactory<object>[],
    env: NodeJS.ProcessEnv,
  ): Map<string, { enabled: boolean; options: object }> {
    const out = new Map<string, { enabled: boolean; options: object }>();
    const collectorConfigs = config.collectors as Record<string, CollectorConfig | undefined>;
    for (const f of factories) {
      const { enabled, ...options } =
        f.configKey !== undefined ? topLevelCollectorConfig(config, f, env) : (collectorConfigs[f.name] ?? { enabled: f.defaultEnabled });
      out.set(f.name, { enabled, options });
    }
    return out;
  }

  private static async buildCollector(f: CollectorFactory<object>, options: object, ctx: Context): Promise<BuiltCollector> {
    // Its own signal, so that a reload that replaces it closes its connections (stop aborts every one).
    const abort = new AbortController();
    const rc = runningCollector(f.name, await f.create(options, { ...ctx, signal: abort.signal, logger: ctx.logger.child({ collector: f.name }) }));
    return { rc, options: JSON.stringify(options), abort };
  }

  /**
   * Builds every component in dependency order: collectors; the metric catalog and sinks (whose
   * metric readers the MeterProvider needs); the stages, which get a Meter. What must be valid before
   * anything starts (rule files) is checked here: with errors (file, line, rule, reason) nothing is
   * built and nothing is started.
   */
  static async create(opts: AgentOptions): Promise<{ ok: true; agent: Agent } | { ok: false; errors: UserError[] }> {
    const { config, logger } = opts;
    rememberConfigSecrets(config);
    const now = opts.now ?? Date.now;
    const env = opts.env ?? {};
    const abort = new AbortController();
    const factories = opts.factories ?? collectorList;
    const ctx: Context = { logger, now, paths: config.paths, signal: abort.signal };

    const collectors: BuiltCollector[] = [];
    const wanted = Agent.collectorOptions(config, factories, env);
    for (const f of factories) {
      const w = wanted.get(f.name)!;
      if (w.enabled) collectors.push(await Agent.buildCollector(f, w.options, ctx));
    }

    const catalog = new MetricCatalog(
      [...SELF_METRICS, ...factories.flatMap((f) => f.metrics)],
      factories.flatMap((f) => f.dynamicMetrics ?? []),
    );
    const nodeName = resolveNodeName(config, env);
    const base = { ...ctx, stateDir: config.stateDir, nodeName, externalUrl: resolveExternalUrl(config, nodeName), env };
    const prometheus = new PrometheusSink(catalog, now());
    const sinkContext = { ...base, logger: logger.child({ stage: 'sinks' }), catalog, evaluationIntervalMs: durationMs(config.alerting.evaluationInterval) };
    const sinks: BuiltSink[] = [{ sink: prometheus, factory: undefined, options: '' }];
    for (const f of sinkList) {
      const options = componentOptions(config, f.configKey, env);
      if (f.enabled(options)) sinks.push({ sink: await f.create(options, sinkContext), factory: f, options: JSON.stringify(options) });
    }
    const telemetry = createTelemetry([prometheus.exporter, ...sinks.flatMap((s) => s.sink.metricReaders ?? [])], performance.timeOrigin);
    const stageContext: StageContext = { ...base, meter: telemetry.provider.getMeter('vigil') };

    const web = await Agent.webConfig(config);
    if (!web.ok) {
      await telemetry.shutdown().catch(() => undefined);
      return web;
    }
    const detector = await Agent.buildDetector(config, stageContext, env);
    const alerting = await createAlertingStage(config.alerting, { ...stageContext, logger: logger.child({ stage: 'alerting' }) });
    if (!alerting.ok) {
      await telemetry.shutdown().catch(() => undefined);
      return alerting;
    }
    for (const specs of [detector.metrics, alerting.stage.metrics, ...sinks.map((s) => s.sink.metrics ?? [])]) catalog.add(specs);
    if (config.nodePage.enabled) catalog.add(NODE_PAGE_METRICS);
    const parts: AgentParts = {
      collectors,
      prometheus,
      sinks,
      sinkContext,
      telemetry,
      detector,
      alerting: alerting.stage,
      alertingSource: alerting.source,
      stageContext,
      abort,
      web: web.web,
    };
    return { ok: true, agent: new Agent(opts, parts) };
  }

  /** The web config file, read and checked (TLS files usable, bcrypt hashes only); none when web.configFile is empty. */
  private static async webConfig(config: Config): Promise<{ ok: true; web: WebConfig | undefined } | { ok: false; errors: UserError[] }> {
    if (config.web.configFile === '') return { ok: true, web: undefined };
    return loadWebConfig(config.web.configFile);
  }

  private static async buildDetector(config: Config, stageContext: StageContext, env: NodeJS.ProcessEnv): Promise<DetectorStage> {
    const detectors: DetectorStage[] = [];
    for (const f of detectorList) {
      const options = componentOptions(config, f.configKey, env);
      if (f.enabled(options)) detectors.push(await f.create(options, { ...stageContext, logger: stageContext.logger.child({ stage: 'detector' }) }));
    }
    return combineDetectors(detectors);
  }

  /** Runs `fn` when the tick or reload before it has finished (ticks and reloads never overlap). */
  private inTurn<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.turn.then(fn, fn);
    this.turn = run.catch(() => undefined);
    return run;
  }

  /**
   * Re-reads the config (and through it the rule files) and applies what changed. Storm-safe: while
   * one reload runs, every further request joins the one queued after it, so any number of requests
   * costs at most two reloads, and the last one reads the files as they are after the last request.
   */
  reload(): Promise<ReloadResult> {
    if (this.reloadQueued !== undefined) return this.reloadQueued;
    const run = (): Promise<ReloadResult> => {
      this.reloadQueued = undefined;
      const p = this.reloadOnce();
      this.reloadRunning = p;
      return p.finally(() => {
        if (this.reloadRunning === p) this.reloadRunning = undefined;
      });
    };
    if (this.reloadRunning === undefined) return run();
    this.reloadQueued = this.reloadRunning.then(run, run);
    return this.reloadQueued;
  }

  private async reloadOnce(): Promise<ReloadResult> {
    if (this.stopping || this.reloadConfig === undefined)
      return { ok: false, errors: [{ code: ErrorCode.RELOAD_FAILED, where: '(agent)', message: 'the agent is stopping' }] };
    this.logger.info('reloading the configuration');
    let result: ReloadResult;
    try {
      const loaded = await this.reloadConfig();
      if (!loaded.ok) result = loaded;
      else {
        rememberConfigSecrets(loaded.config);
        // The rule files and the web config are read and checked outside the tick's turn: a refused reload never delays a tick.
        const alerting = await createAlertingStage(loaded.config.alerting, { ...this.stageContext, logger: this.logger.child({ stage: 'alerting' }) });
        const web = await Agent.webConfig(loaded.config);
        if (!alerting.ok || !web.ok) result = { ok: false, errors: [...(alerting.ok ? [] : alerting.errors), ...(web.ok ? [] : web.errors)] };
        else result = await this.inTurn(() => this.apply(loaded.config, alerting, web.web));
      }
    } catch (err) {
      result = { ok: false, errors: [{ code: ErrorCode.RELOAD_FAILED, where: '(agent)', message: redactError(err) }] };
    }
    if (result.ok) {
      this.reloadStatus.successful = true;
      this.reloadStatus.successTimestampSeconds = this.now() / 1000;
      this.logger.info('configuration reloaded');
    } else {
      this.reloadStatus.successful = false;
      for (const e of result.errors) this.logger.error({ code: e.code, where: e.where }, e.message);
      this.logger.error(
        { code: ErrorCode.RELOAD_FAILED, errors: result.errors.length },
        'reload refused; the agent keeps running on the last good configuration',
      );
    }
    return result;
  }

  /**
   * Applies a new, valid config between two ticks: components whose options did not change are kept
   * as they are (with their connections and state); the others are rebuilt and swapped. Rule files
   * are checked before anything is touched, so a bad one changes nothing.
   */
  private async apply(next: Config, alerting: Extract<AlertingStageResult, { ok: true }>, web: WebConfig | undefined): Promise<ReloadResult> {
    if (this.stopping) return { ok: false, errors: [{ code: ErrorCode.RELOAD_FAILED, where: '(agent)', message: 'the agent is stopping' }] };
    const stageCtx = (stage: string): StageContext => ({ ...this.stageContext, logger: this.logger.child({ stage }) });
    // 1. What could refuse the reload (the rule files) was checked before: `alerting` is the new rule stage.

    // 2. What needs a restart keeps its old value, and says so.
    const restart = restartOnlyChanges(this.config, next);
    if (restart.length > 0) {
      this.logger.warn({ code: ErrorCode.RELOAD_NEEDS_RESTART, keys: restart }, 'these settings change only with a restart; the running values are kept');
    }
    const config: Config = { ...next };
    for (const key of restart) (config as Record<string, unknown>)[key] = (this.config as Record<string, unknown>)[key];
    const catalog = this.sinkContext.catalog;

    // 3. Collectors: kept when their options are the same, else rebuilt (the old one's connections closed).
    const wanted = Agent.collectorOptions(config, this.factories, this.env);
    const ctx: Context = { logger: this.logger, now: this.now, paths: config.paths, signal: this.abort.signal };
    const collectors: BuiltCollector[] = [];
    const changed: string[] = [];
    for (const f of this.factories) {
      const w = wanted.get(f.name)!;
      const old = this.collectors.find((c) => c.rc.name === f.name);
      const options = JSON.stringify(w.options);
      if (old !== undefined && w.enabled && old.options === options) {
        collectors.push(old);
        continue;
      }
      if (old !== undefined || w.enabled) changed.push(`collector ${f.name}`);
      if (w.enabled) collectors.push(await Agent.buildCollector(f, w.options, ctx));
    }
    for (const old of this.collectors) if (!collectors.includes(old)) old.abort.abort();
    this.collectors = collectors;

    // 4. Sinks: stopped and rebuilt when their options changed; those that feed the MeterProvider need a restart.
    const sinkContext = { ...this.sinkContext, evaluationIntervalMs: durationMs(config.alerting.evaluationInterval) };
    const sinks: BuiltSink[] = [this.sinks[0]!];
    for (const f of sinkList) {
      const options = componentOptions(config, f.configKey, this.env);
      const json = f.enabled(options) ? JSON.stringify(options) : undefined;
      const old = this.sinks.find((s) => s.factory === f);
      if (old?.options === json) {
        if (old !== undefined) sinks.push(old);
        continue;
      }
      if ((old?.sink.metricReaders?.length ?? 0) > 0 || (json !== undefined && f.name === 'otlp')) {
        this.logger.warn({ code: ErrorCode.RELOAD_NEEDS_RESTART, keys: [f.configKey] }, 'this sink changes only with a restart; the running one is kept');
        if (old !== undefined) sinks.push(old);
        continue;
      }
      changed.push(`sink ${f.name}`);
      if (old !== undefined) await this.bounded(`sink ${old.sink.name}`, old.sink.stop(), 2000);
      if (json !== undefined) {
        const sink = await f.create(options, sinkContext);
        catalog.add(sink.metrics ?? []);
        await sink.start(this.abort.signal);
        sinks.push({ sink, factory: f, options: json });
      }
    }
    this.sinks = sinks;

    // 5. The detector: rebuilt when its options changed; its series state goes through its state file.
    if (JSON.stringify(componentOptions(config, 'detector', this.env)) !== JSON.stringify(componentOptions(this.config, 'detector', this.env))) {
      changed.push('detector');
      await this.bounded('detector', this.detector.stop(), 4000);
      this.detectorAbort.abort();
      this.detectorAbort = new AbortController();
      this.detector = await Agent.buildDetector(config, stageCtx('detector'), this.env);
      catalog.add(this.detector.metrics);
      await this.detector.start(this.detectorAbort.signal);
    }

    // 6. The rules: swapped when a rule file or a rule setting changed; the old stage saves the rule
    // history and `for` state and the new one restores them, so unchanged rules keep their alerts.
    const alertingKeys = (c: Config) =>
      JSON.stringify([c.alerting.ruleFiles, c.alerting.runbookBaseUrl, c.alerting.externalLabels, c.alerting.evaluationInterval, c.alerting.persistInterval]);
    if (alerting.source !== this.alertingSource || alertingKeys(config) !== alertingKeys(this.config)) {
      changed.push('rules');
      await this.bounded('alerting', this.alerting.stop(), 4000);
      this.alertingAbort.abort();
      this.alertingAbort = new AbortController();
      this.alerting = alerting.stage;
      this.alertingSource = alerting.source;
      catalog.add(this.alerting.metrics);
      await this.alerting.start(this.alertingAbort.signal);
    }

    // 7. The web config: users, headers, certificate files and the server's caps live; TLS on/off and the client auth type need a restart.
    const webRestart = this.server.setWebConfig(web);
    this.server.setLimits({ maxConnections: config.web.maxConnections, maxRequests: config.web.maxRequests });
    if (webRestart.length > 0)
      this.logger.warn(
        { code: ErrorCode.RELOAD_NEEDS_RESTART, keys: webRestart.map((k) => `web.configFile ${k}`) },
        'these settings change only with a restart; the running values are kept',
      );

    // 8. Settings read at each tick.
    if (config.logLevel !== this.config.logLevel) this.logger.level = config.logLevel;
    if (config.interval !== this.config.interval) this.scheduler.setInterval(durationMs(config.interval));
    this.config = config;
    this.logger.info({ changed }, 'configuration applied');
    return { ok: true };
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
    await this.detector.start(this.detectorAbort.signal);
    await this.alerting.start(this.alertingAbort.signal);
    for (const { sink } of this.sinks) await sink.start(this.abort.signal);
    this.scheduler.start();
    this.logger.info(
      { listen: this.server.address, interval: this.config.interval, collectors: this.collectors.map((c) => c.rc.name), version: VERSION },
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
      const samples = await collectAll(
        this.collectors.map((c) => c.rc),
        durationMs(this.config.collectorTimeout),
        this.logger,
        { tracer, parent },
      );
      this.ticks++;
      for (const s of selfSamples(
        this.collectors.map((c) => c.rc.outcome),
        { ticks: this.ticks, overruns: this.scheduler.overruns },
        this.buildLabels,
        this.reloadStatus,
      )) {
        samples.push(s);
      }
      for (const { sink } of this.sinks) for (const s of sink.selfSamples?.() ?? []) samples.push(s);
      for (const s of this.nodePage?.samples() ?? []) samples.push(s);
      for (const s of this.server.samples()) samples.push(s);
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
      for (const { sink } of this.sinks) {
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
      if (this.logger.isLevelEnabled('debug')) this.logMemory();
    } finally {
      tickSpan.end();
    }
  }

  /**
   * The process's memory at debug level, once per tick: the V8 heap and the memory outside it that
   * /proc cannot tell apart (bench/memory.ts reads these lines; docs/footprint.md).
   */
  private logMemory(): void {
    const m = process.memoryUsage();
    this.logger.debug({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers }, 'memory usage');
  }

  /** Hands the tick to the node page; a failure there is logged and never fails the tick. */
  private updateNodePage(output: TickOutput, tickSeconds: number): void {
    if (this.nodePage === undefined) return;
    try {
      const collectors = this.collectors.map(({ rc: { name, outcome: o } }) => ({
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
    this.stopping = true;
    await this.scheduler.stop(graceMs / 4);
    // A reload in flight finishes its swap first (bounded like the tick), so that what it started is stopped below.
    if (this.reloadRunning !== undefined) await withTimeout(this.reloadRunning, graceMs / 4);
    this.abort.abort();
    for (const c of this.collectors) c.abort.abort();
    this.detectorAbort.abort();
    this.alertingAbort.abort();
    // State first: a sink that cannot reach its endpoint must not cost the alert or detector state.
    await this.bounded('alerting', this.alerting.stop(), left() / 2);
    await this.bounded('detector', this.detector.stop(), left() / 2);
    await Promise.all([...this.sinks].reverse().map(({ sink }) => this.bounded(`sink ${sink.name}`, sink.stop(), left() * 0.8)));
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
