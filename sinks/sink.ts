// The sink contract: sinks only deliver, and never throw into the tick.
import type { MetricReader } from '@opentelemetry/sdk-metrics';
import type { ComponentFactory, SinkContext } from '../core/component.ts';
import type { MetricSpec, Sample } from '../core/samples.ts';
import type { TickOutput } from '../core/tick-output.ts';
import type { MetricCatalog } from './prometheus/metric-catalog.ts';

export interface Sink {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  /**
   * Hands over one tick's output; must return at once (queue, don't wait on the network). A sink
   * that cannot keep up drops its oldest queued items and counts them.
   */
  send(tick: TickOutput): void;
  /** The sink's own health families (sent, errors, dropped, queue length), declared as data. */
  readonly metrics?: readonly MetricSpec[];
  /** Current values of those families; the agent adds them to each tick's snapshot. */
  selfSamples?(): readonly Sample[];
  /** OpenTelemetry metric readers to register with the agent's MeterProvider (the OTLP sink's periodic reader). */
  readonly metricReaders?: readonly MetricReader[];
  /** Flushes what it can within its own deadline, then releases everything. */
  stop(): Promise<void>;
}

/** What a sink is created with besides its options. */
interface SinkCreateContext extends SinkContext {
  /** Every metric family the agent can emit (OTLP exports the same set as /metrics). */
  readonly catalog: MetricCatalog;
  /** The rule evaluation interval (Alertmanager's endsAt depends on it, as in Prometheus). */
  readonly evaluationIntervalMs: number;
}

export interface SinkFactory<O extends object = object> extends ComponentFactory<O, Sink, SinkCreateContext> {
  /**
   * Where its options live: "sinks.<name>", or a section it shares with a stage ("alerting" for the
   * Alertmanager sink, whose keys sit beside the rule settings as in Prometheus' config).
   */
  readonly configKey: string;
  /** Whether these options ask for the sink at all. */
  enabled(options: O): boolean;
}
