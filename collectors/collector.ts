// The collector contract: collectors only read and parse; everything they produce is a Sample.
import type { ComponentFactory, Context } from '../core/component.ts';
import type { Sample } from '../core/samples.ts';

export interface Collector {
  /**
   * Reads and parses; pushes what it found into `out`. Returns how many lines or entries it skipped
   * because they did not parse (the rest still goes out). Throws only when the whole collector failed.
   */
  collect(out: Sample[]): Promise<number>;
}

/** A collector's factory: the common component contract; `options` are those beside `enabled`. */
export interface CollectorFactory<C extends object = object> extends ComponentFactory<C, Collector, Context> {
  readonly defaultEnabled: boolean;
  /**
   * For a collector configured by a list of things to watch rather than switched on (PostgreSQL
   * targets): the top-level config key of its options (`postgres`), instead of `collectors.<name>`.
   * It has no `enabled` key; the agent creates it when `isConfigured(options)` holds.
   */
  readonly configKey?: string;
  isConfigured?(options: C): boolean;
}
