// One Alertmanager's HTTP endpoint: POST /api/v2/alerts with its auth and TLS options. Credential
// files are read at each request (so rotated secrets take effect) and never appear in errors or logs.
import { readFile } from 'node:fs/promises';
import { rememberSecret } from '../../core/redact.ts';

/** Key material, remembered as a secret (no log line may carry it) and passed on. */
const remembered = (b: Buffer | undefined): Buffer | undefined => {
  rememberSecret(b);
  return b;
};
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AlertmanagerConfig } from './options.ts';
import { durationMs } from '../../core/duration.ts';

/** The API path under the configured base URL (a URL that already names it is taken as is). */
const API_PATH = '/api/v2/alerts';

export function alertsUrl(base: string): URL {
  const u = new URL(base);
  if (!u.pathname.endsWith(API_PATH)) u.pathname = u.pathname.replace(/\/+$/, '') + API_PATH;
  return u;
}

/** The URL as it may appear in labels and logs: no user info, no query (tokens hide there too). */
export function displayUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

class SendError extends Error {
  /** HTTP status, when Alertmanager answered. */
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

export class AlertmanagerClient {
  readonly url: URL;
  readonly name: string;
  private readonly config: AlertmanagerConfig;
  private readonly timeoutMs: number;
  private agent: HttpAgent | HttpsAgent | undefined;

  constructor(config: AlertmanagerConfig) {
    this.config = config;
    this.url = alertsUrl(config.url);
    this.name = displayUrl(this.url);
    this.timeoutMs = durationMs(config.timeout);
  }

  /** Reads the TLS files once; throws a message that names the option, never the content. */
  async init(): Promise<void> {
    const tls = this.config.tls;
    if (this.url.protocol !== 'https:') {
      this.agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      return;
    }
    const read = async (file: string | undefined, key: string): Promise<Buffer | undefined> => {
      if (file === undefined) return undefined;
      try {
        return await readFile(file);
      } catch (err) {
        throw new Error(`tls.${key} ${file}: ${(err as NodeJS.ErrnoException).code ?? 'cannot be read'}`, { cause: err });
      }
    };
    this.agent = new HttpsAgent({
      keepAlive: true,
      maxSockets: 1,
      ca: await read(tls?.caFile, 'caFile'),
      cert: await read(tls?.certFile, 'certFile'),
      key: remembered(await read(tls?.keyFile, 'keyFile')),
      servername: tls?.serverName,
      rejectUnauthorized: !(tls?.insecureSkipVerify ?? false),
    });
  }

  private async authorization(): Promise<string | undefined> {
    const secret = async (file: string, what: string): Promise<string> => {
      try {
        const text = (await readFile(file, 'utf8')).trim();
        rememberSecret(text);
        return text;
      } catch (err) {
        throw new SendError(`${what} ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    };
    const { basicAuth, bearerTokenFile } = this.config;
    if (basicAuth !== undefined) {
      const password = await secret(basicAuth.passwordFile, 'basicAuth.passwordFile');
      return `Basic ${Buffer.from(`${basicAuth.username}:${password}`).toString('base64')}`;
    }
    if (bearerTokenFile !== undefined) return `Bearer ${await secret(bearerTokenFile, 'bearerTokenFile')}`;
    if (this.url.username !== '') {
      return `Basic ${Buffer.from(`${decodeURIComponent(this.url.username)}:${decodeURIComponent(this.url.password)}`).toString('base64')}`;
    }
    return undefined;
  }

  /** POSTs one batch; resolves on 2xx, throws SendError otherwise (timeout, refused, 4xx/5xx). */
  async post(body: string, signal: AbortSignal): Promise<void> {
    const auth = await this.authorization();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'vigil' };
    if (auth !== undefined) headers.authorization = auth;
    const target = new URL(this.url);
    target.username = '';
    target.password = '';
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const both = AbortSignal.any([signal, timeout]);
    await new Promise<void>((resolve, reject) => {
      const req = request(target, { method: 'POST', headers, agent: this.agent, signal: both }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          if (text.length < 512) text += d;
        });
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new SendError(`HTTP ${status}: ${text.trim().slice(0, 200)}`, status));
        });
        res.on('error', (err) => reject(new SendError(err.message)));
      });
      req.on('error', (err) => reject(new SendError(timeout.aborted ? `no answer within ${this.config.timeout}` : err.message)));
      req.end(body);
    });
  }

  close(): void {
    this.agent?.destroy();
  }
}
