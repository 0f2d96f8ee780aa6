// A real Prometheus server on a free loopback port with its TSDB in a temp dir, scraping the given
// targets every second; plus instant queries over its HTTP API, and promtool.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Exit, type Peer, startHttpPeer } from './child.ts';

const PROMETHEUS_BIN = process.env.VIGIL_TEST_PROMETHEUS ?? 'prometheus';
export const PROMTOOL_BIN = process.env.VIGIL_TEST_PROMTOOL ?? 'promtool';

export interface ScrapeJob {
  readonly job: string;
  /** host:port */
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  /** Target labels added to every series of the job (as a ServiceMonitor relabeling would). */
  readonly labels?: Readonly<Record<string, string>>;
  /** `https` scrapes over TLS (`tls_config`), with `basic_auth` when given. */
  readonly scheme?: 'http' | 'https';
  readonly tlsConfig?: { readonly ca_file?: string; readonly cert_file?: string; readonly key_file?: string; readonly server_name?: string };
  readonly basicAuth?: { readonly username: string; readonly password: string };
}

/** One element of an instant vector. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: readonly [number, string];
}

/** One series of a range vector (a selector with [range] queried at an instant). */
interface MatrixSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: ReadonlyArray<readonly [number, string]>;
}

export interface PrometheusPeer extends Peer {
  readonly port: number;
  readonly url: string;
  /** The temp dir holding prometheus.yml and the TSDB (removed by stop). */
  readonly dir: string;
  /** Instant query at "now"; throws unless the API answers success with a vector. */
  query(expr: string): Promise<VectorSample[]>;
  /** Instant query of a range selector (e.g. `up[30s]`): the raw stored samples. */
  queryMatrix(expr: string): Promise<MatrixSeries[]>;
}

interface ApiAnswer {
  status: string;
  error?: string;
  data?: { resultType: string; result: unknown };
}

/** prometheus.yml for the jobs. YAML is a superset of JSON, so JSON is written. */
function prometheusConfig(jobs: readonly ScrapeJob[], scrapeInterval = '1s'): string {
  return JSON.stringify(
    {
      global: { scrape_interval: scrapeInterval, scrape_timeout: scrapeInterval, evaluation_interval: scrapeInterval },
      scrape_configs: jobs.map((j) => ({
        job_name: j.job,
        metrics_path: j.metricsPath ?? '/metrics',
        ...(j.scheme !== undefined ? { scheme: j.scheme } : {}),
        ...(j.tlsConfig !== undefined ? { tls_config: j.tlsConfig } : {}),
        ...(j.basicAuth !== undefined ? { basic_auth: j.basicAuth } : {}),
        static_configs: [{ targets: j.targets, ...(j.labels !== undefined ? { labels: j.labels } : {}) }],
      })),
    },
    null,
    2,
  );
}

export async function startPrometheus(jobs: readonly ScrapeJob[], scrapeInterval = '1s'): Promise<PrometheusPeer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(jobs, scrapeInterval));
  try {
    return await startHttpPeer(
      {
        name: 'prometheus',
        launch: (listen) => ({
          command: PROMETHEUS_BIN,
          args: [`--config.file=${configFile}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=${listen}`],
        }),
        readyPaths: ['/-/ready'],
        portTaken: /address already in use/,
        timeoutMs: 60_000,
      },
      (peer) => {
        const instant = async (expr: string, resultType: 'vector' | 'matrix'): Promise<unknown> => {
          const res = await fetch(`${peer.url}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(10_000) });
          const body = (await res.json()) as ApiAnswer;
          if (body.status !== 'success' || body.data?.resultType !== resultType) {
            throw new Error(`query ${expr}: HTTP ${res.status} ${body.status} ${body.error ?? body.data?.resultType ?? ''}`);
          }
          return body.data.result;
        };
        return {
          dir,
          stop: async (signal?: NodeJS.Signals, graceMs?: number): Promise<Exit> => {
            const exit = await peer.stop(signal, graceMs);
            await rm(dir, { recursive: true, force: true });
            return exit;
          },
          query: async (expr: string) => (await instant(expr, 'vector')) as VectorSample[],
          queryMatrix: async (expr: string) => (await instant(expr, 'matrix')) as MatrixSeries[],
        };
      },
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export interface PromtoolResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `promtool check metrics` with `body` on stdin. */
export function promtoolCheckMetrics(body: string): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BIN, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // promtool answers in milliseconds; a hung one is killed (by its pid) rather than hang the suite.
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(body);
  });
}
