// The collector contract: collectors only read and parse; everything they produce is a Sample.
import type { z } from 'zod';
import type { Context } from '../core/component.ts';
import type { DynamicMetricSpec, MetricSpec, Sample } from '../core/samples.ts';

export interface Collector {
  /**
   * Reads and parses; pushes what it found into `out`. Returns how many lines or entries it skipped
   * because they did not parse (the rest still goes out). Throws only when the whole collector failed.
   */
  collect(out: Sample[]): Promise<number>;
}

export interface CollectorFactory<C extends object = object> {
  readonly name: string;
  readonly defaultEnabled: boolean;
  /** Options of this collector beside `enabled`, each with its default. */
  readonly options: z.ZodType<C>;
  readonly metrics: readonly MetricSpec[];
  readonly dynamicMetrics?: readonly DynamicMetricSpec[];
  /**
   * For a collector configured by a list of things to watch rather than switched on (PostgreSQL
   * targets): the top-level config key of its options (`postgres`), instead of `collectors.<name>`.
   * It has no `enabled` key; the agent creates it when `isConfigured(options)` holds.
   */
  readonly configKey?: string;
  isConfigured?(options: C): boolean;
  create(options: C, ctx: Context): Collector;
}
