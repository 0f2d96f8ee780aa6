// The data every stage shares: a sample is one value of one series in one tick; metric families are
// declared as data (name, help, kind, labels) next to the component that emits them.

export type SampleKind = 'counter' | 'gauge';

/** Label names and values of one series. Keys are in the order node_exporter prints them. */
export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
  readonly kind: SampleKind;
  /** The family's help text when it is only known at run time (a textfile's HELP line); else the declared one. */
  readonly help?: string;
}

/** A metric family as declared next to the component that produces it. */
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

export const gauge = (name: string, labels: Labels, value: number): Sample => ({ name, labels, value, kind: 'gauge' });
export const counter = (name: string, labels: Labels, value: number): Sample => ({ name, labels, value, kind: 'counter' });

export const NO_LABELS: Labels = Object.freeze({});
