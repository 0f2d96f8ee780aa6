// The sink contract: sinks only deliver, and never throw into the tick.
import type { TickOutput } from '../core/tick-output.ts';
import type { MetricSpec, Sample } from '../core/samples.ts';
import type { MetricReader } from '@opentelemetry/sdk-metrics';

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
