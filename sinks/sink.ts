// The sink contract: sinks only deliver, and never throw into the tick.
import type { TickOutput } from '../agent/tick-output.ts';

export interface Sink {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  /**
   * Hands over one tick's output; must return at once (queue, don't wait on the network). A sink
   * that cannot keep up drops its oldest queued items and counts them.
   */
  send(tick: TickOutput): void;
  /** Flushes what it can within its own deadline, then releases everything. */
  stop(): Promise<void>;
}
