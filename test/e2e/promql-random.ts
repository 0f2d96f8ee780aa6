// Seeded random PromQL expressions over the supported constructs, for the differential test against
// promtool. Only constructs whose Prometheus result does not depend on series order are generated
// (no float sums across series; topk/bottomk only over values where ties are improbable).
import { FUNCTIONS } from '../../alerts/engine/compile.ts';

export interface Random {
  next(): number;
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let s = seed >>> 0;
  const next = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)] as T };
}

/** Input series: counters `req_total`, gauges `temp` (both by job and inst), and `limit` by job. */
export function randomSeries(r: Random, points: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const job of ['x', 'y']) {
    for (const inst of ['1', '2']) {
      let c = r.int(100);
      const counter: string[] = [];
      const gauge: string[] = [];
      for (let i = 0; i < points; i++) {
        const roll = r.next();
        c = roll < 0.05 ? r.int(10) : c + r.int(500) / 100;
        counter.push(roll > 0.97 ? '_' : String(Math.round(c * 100) / 100));
        gauge.push(roll > 0.95 ? '_' : roll < 0.02 ? 'stale' : String(Math.round((r.next() * 200 - 50) * 1000) / 1000));
      }
      out.push([`req_total{job="${job}",inst="${inst}"}`, counter.join(' ')]);
      out.push([`temp{job="${job}",inst="${inst}"}`, gauge.join(' ')]);
    }
    out.push([`limit{job="${job}"}`, Array.from({ length: points }, () => String(50 + r.int(1000) / 10)).join(' ')]);
  }
  return out;
}

const MATCHERS = ['', '{job="x"}', '{inst!="1"}', '{job=~"x|y",inst=~"[12]"}', '{job!~"y"}'];
const RANGES = ['30s', '1m', '90s', '2m', '5m'];
// Every function of the engine over one range vector and nothing else, in the engine's order (the seeds
// pick the same expressions as before); absent_over_time is compared in testdata/parity/over_time.yml.
const RANGE_FNS = Object.entries(FUNCTIONS)
  .filter(([name, sig]) => sig.args.length === 1 && sig.args[0] === 'matrix' && name !== 'absent_over_time')
  .map(([name]) => name);
const ARITH = ['+', '-', '*', '/', '%'];
const CMP = ['==', '!=', '>', '<', '>=', '<='];

export function randomExpr(r: Random, depth = 0): string {
  const sel = (): string => `${r.pick(['req_total', 'temp'])}${r.pick(MATCHERS)}`;
  const range = (): string => `${sel()}[${r.pick(RANGES)}]${r.next() < 0.2 ? ` offset ${r.pick(['15s', '1m'])}` : ''}`;
  const scalar = (): string => r.pick([String(r.int(20) + 1), `${r.int(100) / 10 + 0.5}`, 'time() / 100', 'scalar(limit{job="x"})']);
  const leaf = (): string => r.pick([sel(), `${r.pick(RANGE_FNS)}(${range()})`]);
  if (depth >= 2) return leaf();
  const sub = (): string => `(${randomExpr(r, depth + 1)})`;
  switch (r.int(12)) {
    case 0:
      return leaf();
    case 1:
      return `${r.pick(['abs', 'ceil', 'floor', 'round'])}(${sub()})`;
    case 2:
      return `${r.pick(['clamp_min', 'clamp_max'])}(${sub()}, ${scalar()})`;
    case 3:
      return `${r.pick(['min', 'max', 'count', 'group'])} ${r.pick(['by (job)', 'without (inst)', 'by (inst, job)', ''])} (${sub()})`;
    case 4:
      return `${r.pick(['topk', 'bottomk'])} ${r.pick(['by (job)', ''])} (${r.int(3) + 1}, ${r.pick([sel(), `rate(${range()})`, `deriv(${range()})`])})`;
    case 5:
      return `${sub()} ${r.pick(ARITH)} ${scalar()}`;
    case 6:
      return `${sub()} ${r.pick(CMP)}${r.next() < 0.5 ? ' bool' : ''} ${scalar()}`;
    case 7: {
      const m = `${r.pick(['req_total', 'temp'])}${r.pick(MATCHERS)}`;
      return `${m} ${r.pick([...ARITH, ...CMP])} ${r.pick(['', 'ignoring(job) ', 'on(job, inst) '])}${r.pick(['rate', 'avg_over_time'])}(${r.pick(['req_total', 'temp'])}${r.pick(MATCHERS)}[${r.pick(RANGES)}])`;
    }
    case 8:
      return `${sub()} ${r.pick(['*', '/', '>', '-'])} on(job) group_left ${r.pick(['limit', 'max by (job) (temp)'])}`;
    case 9:
      return `(${sub()}) ${r.pick(['and', 'or', 'unless'])} ${r.pick(['', 'on(job) ', 'ignoring(inst) '])}(${sub()})`;
    case 10:
      return `label_replace(${sub()}, "${r.pick(['z', 'job', 'inst'])}", "${r.pick(['$1', 'v-$1', '$2$1', ''])}", "${r.pick(['job', 'inst', '__name__'])}", "${r.pick(['(.*)', '(x)', '([a-z_]+)_(.*)', '(.)'])}")`;
    default:
      return r.pick([
        `count_values ${r.pick(['', 'by (job) ', 'without (inst) '])}("cv", round(${sub()}))`,
        `absent(${sel()})`,
        `quantile_over_time(${r.pick(['0.1', '0.5', '0.99'])}, ${range()})`,
        `predict_linear(${range()}, ${r.int(3600)})`,
        `-${sub()}`,
        `quantile by (job) (0.5, ${sub()})`,
      ]);
  }
}
