// The collector contract: collectors only read and parse; everything they produce is a Sample.
import type { z } from 'zod';
import type { Context } from '../agent/component.ts';

export type SampleKind = 'counter' | 'gauge';

/** Label names and values of one series. Keys are in the order node_exporter prints them. */
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
  readonly kind: SampleKind;
}

/** A metric family as declared next to the collector that produces it. */
export interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly kind: SampleKind;
  readonly labels: readonly string[];
}

/** Families whose names are only known at run time (every /proc/meminfo field, for one). */
export interface DynamicMetricSpec {
  /** A pattern that the generated names match; documentation and the naming test use it. */
  readonly pattern: RegExp;
  /** How the reference docs name the family, e.g. "node_memory_<Field>_bytes". */
  readonly displayName: string;
  readonly help: (name: string) => string;
  readonly kind: SampleKind;
  readonly labels: readonly string[];
}

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

export const gauge = (name: string, labels: Labels, value: number): Sample => ({ name, labels, value, kind: 'gauge' });
export const counter = (name: string, labels: Labels, value: number): Sample => ({ name, labels, value, kind: 'counter' });

export const NO_LABELS: Labels = Object.freeze({});

