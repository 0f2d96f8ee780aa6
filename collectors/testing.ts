// Test helpers for collectors: a Context whose host is a testdata tree, and look-ups of samples by
// name and exact label set. Used only by *.test.ts files.
import path from 'node:path';
import { pino } from 'pino';
import type { Context, HostPaths } from '../core/component.ts';
import type { Collector, CollectorFactory } from './collector.ts';
import type { Labels, Sample } from '../core/samples.ts';

/** The fixed clock of every fixture context: 2025-06-01T12:00:00Z. */
export const FIXED_NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

/** A context whose host is `dir`: procfs `dir/proc`, sysfs `dir/sys`, rootfs `dir/root`, udev `dir/udev`. */
export function fixtureContext(dir: string, paths: Partial<HostPaths> = {}): Context {
  return {
    logger: pino({ level: 'silent' }),
    now: () => FIXED_NOW,
    paths: {
      procfs: path.join(dir, 'proc'),
      sysfs: path.join(dir, 'sys'),
      rootfs: path.join(dir, 'root'),
      udevData: path.join(dir, 'udev'),
      ...paths,
    },
    signal: new AbortController().signal,
  };
}

export interface Collected {
  readonly samples: Sample[];
  /** What collect() returned: lines or entries skipped as malformed. */
  readonly malformed: number;
}

export async function collectOnce(collector: Collector): Promise<Collected> {
  const samples: Sample[] = [];
  const malformed = await collector.collect(samples);
  return { samples, malformed };
}

/** Creates the collector with `options` parsed by its own schema (so defaults apply) and collects once. */
export async function collectFixture<C extends object>(factory: CollectorFactory<C>, ctx: Context, options: unknown = {}): Promise<Collected> {
  return collectOnce(await factory.create(factory.options.parse(options), ctx));
}

const sameLabels = (a: Labels, b: Labels): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};

/** The one sample with this name and exactly this label set; throws when there are none or several. */
export function sampleOf(samples: readonly Sample[], name: string, labels: Labels = {}): Sample {
  const hits = samples.filter((s) => s.name === name && sameLabels(s.labels, labels));
  if (hits.length !== 1) throw new Error(`expected one ${name}${JSON.stringify(labels)}, found ${hits.length}`);
  return hits[0]!;
}

export const valueOf = (samples: readonly Sample[], name: string, labels: Labels = {}): number => sampleOf(samples, name, labels).value;

/** Sorted distinct metric names. */
export const namesOf = (samples: readonly Sample[]): string[] => [...new Set(samples.map((s) => s.name))].sort();

/** Sorted distinct values of one label among the samples of one metric. */
export const labelValues = (samples: readonly Sample[], name: string, label: string): string[] =>
  [...new Set(samples.filter((s) => s.name === name).map((s) => s.labels[label] ?? ''))].sort();
