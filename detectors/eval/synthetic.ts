// A synthetic labelled corpus, built here from a seed (no outside data): seven kinds of normal
// behaviour × seven kinds of anomaly (and none), 4,000 points each at a 5-minute step, one to two
// anomalies per series after its first 900 points. `npm run eval:tuning` scores it beside the tuning
// data (DETECTION.md, "Synthetic corpus"); `node detectors/eval/synthetic.ts --out DIR` writes it for
// `vigil eval`. Labels mark the anomalous points (at most the first 50 of a long one).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

export const SYNTHETIC_BASES = ['noise', 'daily', 'weekly', 'ar1', 'heavy', 'counts', 'sawtooth'] as const;
export const SYNTHETIC_ANOMALIES = ['spike', 'shift', 'variance', 'flatline', 'drift', 'outage', 'burst'] as const;
const POINTS = 4000;
const STEP_S = 300;
const DAY = 86_400 / STEP_S;
const COPIES = 2;

/** mulberry32: a small, fast, seeded PRNG (uniform in [0,1)). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  readonly u: () => number;
  constructor(seed: number) {
    this.u = prng(seed);
  }
  uniform(a: number, b: number): number {
    return a + (b - a) * this.u();
  }
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.u())) * Math.cos(2 * Math.PI * this.u());
  }
  sign(): number {
    return this.u() < 0.5 ? -1 : 1;
  }
  /** Student's t with 3 degrees of freedom: heavy tails. */
  t3(): number {
    const z = this.normal();
    const c = this.normal() ** 2 + this.normal() ** 2 + this.normal() ** 2;
    return z / Math.sqrt(c / 3);
  }
  poisson(lambda: number): number {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.u();
    } while (p > l);
    return k - 1;
  }
}

export interface SyntheticSeries {
  /** `<base>/<anomaly>-<copy>.csv` */
  readonly rel: string;
  readonly values: Float64Array;
  readonly labels: Uint8Array;
}

function baseSeries(r: Random, base: (typeof SYNTHETIC_BASES)[number]): { x: Float64Array; scale: number } {
  const x = new Float64Array(POINTS);
  const level = r.uniform(20, 500);
  let s = level * r.uniform(0.01, 0.08);
  const phase = r.uniform(0, 2 * Math.PI);
  let ar = 0;
  const lambda = r.uniform(2, 20);
  for (let i = 0; i < POINTS; i++) {
    switch (base) {
      case 'noise':
        x[i] = level + s * r.normal();
        break;
      case 'daily':
        x[i] = level + 4 * s * Math.sin((2 * Math.PI * i) / DAY + phase) + s * r.normal();
        break;
      case 'weekly': {
        const weekend = Math.floor(i / DAY) % 7 >= 5 ? 0.5 : 1;
        x[i] = level + 4 * s * weekend * Math.sin((2 * Math.PI * i) / DAY) + s * r.normal();
        break;
      }
      case 'ar1':
        ar = 0.98 * ar + s * r.normal();
        x[i] = level + ar;
        break;
      case 'heavy':
        x[i] = level + s * r.t3();
        break;
      case 'counts':
        x[i] = r.poisson(lambda);
        break;
      case 'sawtooth': // a periodic job: ramps up and resets every 100 points
        x[i] = level + 3 * s * ((i % 100) / 100) + 0.5 * s * r.normal();
        break;
    }
  }
  if (base === 'counts') s = Math.max(1, Math.sqrt(lambda));
  return { x, scale: s };
}

/** Injects one anomaly at `a`; returns its length in points. */
function inject(r: Random, x: Float64Array, s: number, kind: (typeof SYNTHETIC_ANOMALIES)[number], a: number): number {
  switch (kind) {
    case 'spike':
      x[a] = x[a]! + r.uniform(8, 15) * r.sign() * s;
      return 1;
    case 'shift': {
      const d = r.uniform(4, 8) * r.sign() * s;
      for (let i = a; i < POINTS; i++) x[i] = x[i]! + d;
      return 30;
    }
    case 'variance':
      for (let i = a; i < a + 200; i++) x[i] = x[i]! + 4 * s * r.normal();
      return 200;
    case 'flatline':
      for (let i = a + 1; i < a + 150; i++) x[i] = x[a]!;
      return 150;
    case 'drift': {
      const d = r.uniform(8, 12) * s;
      for (let i = a; i < a + 300; i++) x[i] = x[i]! + (d * (i - a)) / 300;
      return 300;
    }
    case 'outage':
      for (let i = a; i < a + 20; i++) x[i] = 0;
      return 20;
    case 'burst': {
      const d = r.uniform(5, 10) * s;
      for (let i = a; i < a + 10; i++) x[i] = x[i]! + d;
      return 10;
    }
  }
}

/** The whole corpus, deterministic for a seed. */
export function syntheticCorpus(seed = 1): SyntheticSeries[] {
  const r = new Random(seed);
  const out: SyntheticSeries[] = [];
  for (const base of SYNTHETIC_BASES) {
    for (const kind of [...SYNTHETIC_ANOMALIES, 'none'] as const) {
      for (let copy = 0; copy < COPIES; copy++) {
        const { x, scale } = baseSeries(r, base);
        const labels = new Uint8Array(POINTS);
        if (kind !== 'none') {
          // One or two anomalies, at distinct starts on a 400-point grid from row 900 on.
          const slots = Array.from({ length: Math.floor((POINTS - 400 - 900) / 400) + 1 }, (_, k) => 900 + 400 * k);
          const count = r.u() < 0.5 ? 1 : 2;
          const starts: number[] = [];
          while (starts.length < count) {
            const a = slots[Math.floor(r.u() * slots.length)]!;
            if (!starts.includes(a)) starts.push(a);
          }
          for (const a of starts.sort((p, q) => p - q)) {
            const n = inject(r, x, scale, kind, a);
            labels.fill(1, a, a + Math.max(1, Math.min(n, 50)));
          }
        }
        out.push({ rel: `${base}/${kind}-${copy}.csv`, values: x, labels });
      }
    }
  }
  return out;
}

/** Writes the corpus as `timestamp,value,label` CSV files under `dir`. */
export function writeSyntheticCorpus(dir: string, seed = 1): string[] {
  const t0 = 1_500_000_000;
  const files: string[] = [];
  for (const s of syntheticCorpus(seed)) {
    const file = path.join(dir, s.rel);
    mkdirSync(path.dirname(file), { recursive: true });
    const lines = ['timestamp,value,label'];
    for (let i = 0; i < s.values.length; i++) lines.push(`${t0 + i * STEP_S},${Number(s.values[i]!.toPrecision(6))},${s.labels[i]}`);
    writeFileSync(file, lines.join('\n') + '\n');
    files.push(file);
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string', default: '1' } } });
  if (values.out === undefined) {
    process.stderr.write('usage: node detectors/eval/synthetic.ts --out DIR [--seed N]\n');
    process.exit(2);
  }
  const files = writeSyntheticCorpus(values.out, Number(values.seed));
  process.stderr.write(`wrote ${files.length} series to ${values.out}\n`);
}
