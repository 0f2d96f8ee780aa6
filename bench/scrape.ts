// Sequential /metrics scrapes over one keep-alive connection, as Prometheus scrapes a target: the
// figures are the server's cost, not TCP set-up. No Accept-Encoding, so neither side compresses.
import { Agent, request } from 'node:http';

/** Per-request limit; a server slower than this is broken, not slow. */
const REQUEST_TIMEOUT_MS = 10_000;

export class Scraper {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly url: string;

  constructor(url: string) {
    this.url = url;
  }

  /** One GET; resolves with the body and the time from sending the request to the last byte. */
  get(): Promise<{ body: string; ms: number }> {
    return new Promise((resolve, reject) => {
      const t0 = performance.now();
      const req = request(this.url, { agent: this.agent, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - t0;
          if (res.statusCode !== 200) reject(new Error(`GET ${this.url}: HTTP ${res.statusCode}`));
          else resolve({ body: Buffer.concat(chunks).toString('utf8'), ms });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`GET ${this.url}: no answer in ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end();
    });
  }

  /**
   * Up to `count` scrapes, one after another, stopping early at `budgetMs`; returns each one's
   * duration in ms. Callers check how many were done: a budget cut shows, it is not hidden.
   */
  async many(count: number, budgetMs: number): Promise<number[]> {
    const stopAt = performance.now() + budgetMs;
    const durations: number[] = [];
    for (let i = 0; i < count && performance.now() < stopAt; i++) durations.push((await this.get()).ms);
    return durations;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The value of an unlabelled sample in Prometheus text, e.g. vigil_ticks_total. */
export function sampleValue(body: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{\\})? (\\S+)`, 'm').exec(body);
  return m ? Number(m[1]) : undefined;
}

/** Series in a scrape: lines that are not comments or blank. */
export function seriesCount(body: string): number {
  let n = 0;
  for (const line of body.split('\n')) if (line !== '' && !line.startsWith('#')) n++;
  return n;
}
