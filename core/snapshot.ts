import type { Sample } from './samples.ts';

/** The immutable result of one tick's collection: every later stage reads the same moment. */
export interface Snapshot {
  /** Milliseconds since the epoch, taken when the tick started. */
  readonly timestamp: number;
  readonly samples: readonly Sample[];
}
