// What the PromQL parity tests share: the agent's results written as promtool `promql_expr_test`
// expectations (label sets, exact floats, NaN checked as `(E) != bool (E)`), and running
// `promtool test rules` (Prometheus 2.42) on them.
import { spawn } from 'node:child_process';
import { stringify } from 'yaml';
import type { Labels } from '../../core/samples.ts';
import type { HistoryReader, QueryValue, SeriesView } from '../../alerts/engine/api.ts';
import { parseSeriesLabels } from '../../alerts/engine/compile.ts';
import { parseDuration } from '../../alerts/engine/literals.ts';
import { PROMTOOL_BIN } from '../peers/prometheus.ts';

export interface PromtoolSample {
  labels: string;
  value: number;
}

const quote = (v: string): string => JSON.stringify(v);
const promLabels = (l: Labels): string =>
  `{${Object.keys(l)
    .sort()
    .map((k) => `${k}=${quote(l[k] ?? '')}`)
    .join(', ')}}`;

export function expectations(v: QueryValue): PromtoolSample[] {
  if (v.kind === 'scalar') return [{ labels: '{}', value: v.value }];
  if (v.kind === 'string') throw new Error('string results cannot be checked by promtool');
  return v.samples.map((s) => ({ labels: promLabels(s.labels), value: s.value }));
}

/**
 * promtool 2.42 cannot compare NaN (NaN ≠ NaN), so an expression whose result holds a NaN is checked
 * as `(E) != bool (E)`: 1 exactly where the value is NaN, with the same label sets minus __name__.
 */
export function nanCheck(expr: string, v: QueryValue): { expr: string; samples: PromtoolSample[] } | undefined {
  if (v.kind === 'scalar')
    return Number.isNaN(v.value) ? { expr: `vector(${expr}) != bool vector(${expr})`, samples: [{ labels: '{}', value: 1 }] } : undefined;
  if (v.kind !== 'vector' || !v.samples.some((s) => Number.isNaN(s.value))) return undefined;
  const samples = v.samples.map((s) => {
    const { __name__: _, ...rest } = s.labels;
    return { labels: promLabels(rest), value: Number.isNaN(s.value) ? 1 : 0 };
  });
  return { expr: `(${expr}) != bool (${expr})`, samples };
}

interface Run {
  code: number | null;
  out: string;
}
export function promtoolTest(file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BIN, ['test', 'rules', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** YAML floats as Go's yaml reads them. */
export function yamlText(doc: unknown): string {
  return stringify(doc, { lineWidth: 0 })
    .replace(/value: (-?)Infinity$/gm, 'value: $1.inf')
    .replace(/value: NaN$/gm, 'value: .nan');
}

export interface FixtureCase {
  readonly name: string;
  readonly interval: string;
  /** [series, values]: values are numbers, `_` (no sample) or `stale`, one per interval from 0. */
  readonly series: ReadonlyArray<readonly [string, string]>;
  readonly exprs: readonly string[];
  readonly at: readonly string[];
}

export const ms = (d: string): number => {
  const p = parseDuration(d);
  if (!p.ok) throw new Error(p.reason);
  return p.value;
};

/** The fixture's series as the engine reads them: `_` is no point, `stale` a staleness marker. */
export class FixtureHistory implements HistoryReader {
  private readonly byName = new Map<string, SeriesView[]>();
  constructor(c: FixtureCase) {
    const step = ms(c.interval);
    for (const [desc, values] of c.series) {
      const labels = parseSeriesLabels(desc);
      if (labels?.__name__ === undefined) throw new Error(`${c.name}: bad series ${desc}`);
      const times: number[] = [];
      const vals: number[] = [];
      const stale: number[] = [];
      values
        .trim()
        .split(/\s+/)
        .forEach((tok, i) => {
          if (tok === '_') return;
          times.push(i * step);
          const special: Record<string, number> = { stale: NaN, NaN: NaN, Inf: Infinity, '+Inf': Infinity, '-Inf': -Infinity };
          if (!(tok in special) && !/^-?\d+(\.\d+)?(e[-+]?\d+)?$/.test(tok)) throw new Error(`${c.name}: value ${tok} is not explicit`);
          vals.push(special[tok] ?? Number(tok));
          stale.push(tok === 'stale' ? 1 : 0);
        });
      const list = this.byName.get(labels.__name__) ?? [];
      list.push({ labels, times, values: vals, staleMarkers: stale, length: times.length });
      this.byName.set(labels.__name__, list);
    }
  }
  metricNames(): Iterable<string> {
    return this.byName.keys();
  }
  seriesOf(name: string): Iterable<SeriesView> {
    return this.byName.get(name) ?? [];
  }
}
