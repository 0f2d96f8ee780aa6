// What every component receives from the agent: nothing global, everything through the context.
import type { Meter } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { UserError } from './errors.ts';
import type { DynamicMetricSpec, MetricSpec } from './samples.ts';

/** Host paths with node_exporter's `--path.*` meaning. */
export interface HostPaths {
  readonly procfs: string;
  readonly sysfs: string;
  readonly rootfs: string;
  readonly udevData: string;
}

export interface Context {
  readonly logger: Logger;
  /** Milliseconds since the epoch; tests pass a fixed clock. */
  readonly now: () => number;
  readonly paths: HostPaths;
  readonly signal: AbortSignal;
}

/** What the stages after collection (detector, rules, sinks) get besides the component context. */
export interface StageContext extends Context {
  /** Directory for state that survives restarts (config `stateDir`); the stage creates its own subfolder. */
  readonly stateDir: string;
  /** This node's name: $NODE_NAME (Kubernetes downward API), else the host name. */
  readonly nodeName: string;
  /** The agent's own base URL as others reach it (runbook links, generatorURL), e.g. "http://node1:9464". */
  readonly externalUrl: string;
  /** For histograms and live instruments (e.g. vigil_detector_inference_seconds); exported with everything else. */
  readonly meter: Meter;
  /** The process environment, for the sinks whose standard configuration is env vars (OTEL_EXPORTER_OTLP_*). */
  readonly env: NodeJS.ProcessEnv;
}

/** Sinks are built before the MeterProvider (it needs their metric readers), so they get no Meter. */
export type SinkContext = Omit<StageContext, 'meter'>;

/** What a component's own `check` gets: the environment and the settings that bound it. */
export interface CheckContext {
  /** The process environment (secrets named by variable must be set). */
  readonly env: NodeJS.ProcessEnv;
  /** `collectorTimeout` as configured (a valid duration): a component's own timeouts must be shorter. */
  readonly collectorTimeout: string;
}

/**
 * The one contract of every pluggable component — collector, detector, sink: a factory declared as
 * data. Each kind has a registry, a plain list of factories (collectors/registry.ts,
 * detectors/registry.ts, sinks/registry.ts); the config schema, `vigil check-config`, the metrics
 * reference and the metric-naming test iterate the registries, so a new component is in all of them
 * by being in its registry.
 */
export interface ComponentFactory<O extends object, I, C> {
  readonly name: string;
  /** Its options with their defaults; unknown keys are errors. */
  readonly options: z.ZodType<O>;
  /** Every metric family it emits, declared as data. */
  readonly metrics: readonly MetricSpec[];
  /** Families whose names are only known at run time. */
  readonly dynamicMetrics?: readonly DynamicMetricSpec[];
  /**
   * Checks beyond the schema (the environment, limits set elsewhere), run by `loadConfig` and
   * `vigil check-config`. `where` is relative to the component's config key ("targets[0].timeout").
   */
  check?(options: O, ctx: CheckContext): readonly UserError[];
  /**
   * Builds the instance. It may be async: a component whose implementation needs a heavy dependency
   * (kafkajs, pg, the OTLP exporters, onnxruntime) keeps it out of the factory's module and loads it
   * here with `import()`, so that the registries stay data and only what the config enables is loaded
   * (docs/footprint.md).
   */
  create(options: O, ctx: C): I | Promise<I>;
}
