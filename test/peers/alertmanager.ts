// A real Alertmanager (Debian's prometheus-alertmanager 0.25) on a loopback port with its storage in a
// temp dir, clustering off (`--cluster.listen-address=`), plus reads of its API and its own metrics.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Exit, type Peer, getText, PortTakenError, spawnPeer, waitForHttp, withFreePort } from './child.ts';

const ALERTMANAGER_BIN = process.env.VIGIL_TEST_ALERTMANAGER ?? 'prometheus-alertmanager';

/** An alert as Alertmanager's GET /api/v2/alerts returns it (the fields tests read). */
interface GettableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly status: { readonly state: 'active' | 'suppressed' | 'unprocessed' };
}

export interface AlertmanagerPeer extends Peer {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** The temp dir holding alertmanager.yml and the storage (removed by stop). */
  readonly dir: string;
  /** GET /api/v2/alerts (active, silenced and inhibited alerts alike). */
  alerts(): Promise<GettableAlert[]>;
  /** A sample of Alertmanager's own /metrics (sum over series matching name and labels), or 0. */
  metric(name: string, labels?: Readonly<Record<string, string>>): Promise<number>;
}

export interface StartAlertmanagerOptions {
  /** alertmanager.yml text. */
  readonly config: string;
  /** Listen on this port (a restart on the same address); otherwise a free one. */
  readonly port?: number;
  /**
   * Serve HTTPS (and optionally require basic auth) via Alertmanager's --web.config.file: the
   * certificate, the CA that signed it (for the test's own reads) and bcrypt-hashed users.
   */
  readonly web?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly caFile: string;
    readonly users?: Readonly<Record<string, { readonly password: string; readonly bcryptHash: string }>>;
  };
}

/** GET over HTTPS trusting `ca`, with basic auth when given; the body, failing on any status but 200. */
function getTls(url: string, ca: Buffer, auth?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { ca, headers: auth ? { authorization: auth } : {}, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

/** Sums the samples of `name` whose labels include `labels`, from Prometheus text. */
export function sumSamples(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

async function waitForTls(url: string, get: (url: string) => Promise<string>, peer: Peer): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (peer.exit !== undefined) {
      const out = peer.stderr();
      const msg = `alertmanager exited before ${url} answered:\n${out.slice(-2000)}`;
      throw /address already in use/.test(out) ? new PortTakenError(msg) : new Error(msg);
    }
    try {
      await get(url);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer in time: ${(err as Error).message}`, { cause: err });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startAlertmanager(opts: StartAlertmanagerOptions): Promise<AlertmanagerPeer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-alertmanager-'));
  const configFile = path.join(dir, 'alertmanager.yml');
  await writeFile(configFile, opts.config);
  const web = opts.web;
  const webArgs: string[] = [];
  let get: (url: string) => Promise<string> = getText;
  if (web !== undefined) {
    const webFile = path.join(dir, 'web.yml');
    const users = Object.fromEntries(Object.entries(web.users ?? {}).map(([u, v]) => [u, v.bcryptHash]));
    await writeFile(
      webFile,
      JSON.stringify({ tls_server_config: { cert_file: web.certFile, key_file: web.keyFile }, ...(web.users ? { basic_auth_users: users } : {}) }),
    );
    webArgs.push(`--web.config.file=${webFile}`);
    const ca = await readFile(web.caFile);
    const first = Object.entries(web.users ?? {})[0];
    const auth = first ? `Basic ${Buffer.from(`${first[0]}:${first[1].password}`).toString('base64')}` : undefined;
    get = (url) => getTls(url, ca, auth);
  }
  const scheme = web === undefined ? 'http' : 'https';
  const start = async (port: number): Promise<AlertmanagerPeer> => {
    const listen = `127.0.0.1:${port}`;
    const url = `${scheme}://${listen}`;
    const peer = await spawnPeer('alertmanager', ALERTMANAGER_BIN, [
      `--config.file=${configFile}`,
      ...webArgs,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${listen}`,
      `--web.external-url=${url}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ]);
    try {
      if (web === undefined) await waitForHttp(`${url}/-/ready`, { peer, portTaken: /address already in use/, timeoutMs: 30_000 });
      else await waitForTls(`${url}/-/ready`, get, peer);
    } catch (err) {
      await peer.stop('SIGKILL');
      throw err;
    }
    const stop = async (signal?: NodeJS.Signals, graceMs?: number): Promise<Exit> => {
      const exit = await peer.stop(signal, graceMs);
      await rm(dir, { recursive: true, force: true });
      return exit;
    };
    return {
      ...peer,
      get exit(): Exit | undefined {
        return peer.exit;
      },
      port,
      url,
      dir,
      stop,
      alerts: async () => JSON.parse(await get(`${url}/api/v2/alerts`)) as GettableAlert[],
      metric: async (name, labels) => sumSamples(await get(`${url}/metrics`), name, labels),
    };
  };
  try {
    if (opts.port !== undefined) {
      try {
        return await start(opts.port);
      } catch (err) {
        throw err instanceof PortTakenError ? new Error(`alertmanager: port ${opts.port} is taken: ${err.message}`) : err;
      }
    }
    return await withFreePort(start);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
