// The sink contract: sinks only deliver, and never throw into the tick.
import type { Snapshot } from '../agent/snapshot.ts';

export interface Sink {
  readonly name: string;
  start(signal: AbortSignal): Promise<void>;
  /** Hands over one tick's snapshot; must return quickly (queue, don't wait on the network). */
  send(snapshot: Snapshot): void;
  stop(): Promise<void>;
}
