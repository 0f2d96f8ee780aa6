// The agent's HTTP endpoints: /metrics, /healthz (alive), /readyz (first tick done), and an index;
// /-/healthy and /-/ready (Prometheus' names) answer as /healthz and /readyz; POST /-/reload reloads;
// with the alerting stage, /api/v1/alerts, /runbooks/<name> and POST /faro/collect (runbook views);
// with the node page (web/), GET / and /api/v1/{status,anomalies,series}.
// Bounded under a scrape storm: at most `maxConnections` sockets (more are closed at accept) and at most
// `maxRequests` requests in flight (more get a fast 503 with Retry-After; kubelet's probes are never
// refused), and a client that is slow to send its request is cut off (headers 10 s, request 30 s).
import { statSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket, SecureContextOptions } from 'node:tls';
import { counter, type Sample } from '../core/samples.ts';
import { BasicAuth } from './web-auth.ts';
import type { WebConfig, WebTls } from './web-config.ts';
import { logFailure } from '../core/log-failure.ts';
import { knownSecrets, redact } from '../core/redact.ts';
import type { Logger } from 'pino';
import type { PrometheusSink } from '../sinks/prometheus/prometheus-sink.ts';
import { parseListen } from './config.ts';
import { FARO_COLLECT_MAX_BYTES, FARO_COLLECT_PATH } from '../alerts/runbooks/views.ts';
import { ErrorCode, formatUserError, type UserError } from '../core/errors.ts';

export interface ServerDeps {
  readonly prometheus: PrometheusSink;
  /** Where /metrics is served (config metricsPath); "/metrics" when left out. */
  readonly metricsPath?: string;
  readonly ready: () => boolean;
  readonly logger: Logger;
  /** Body of /api/v1/alerts (Prometheus' JSON shape). */
  readonly alertsApi?: () => unknown;
  /** A runbook rendered as HTML, or undefined when there is none. */
  readonly runbookHtml?: (alertName: string) => string | undefined;
  /** A Faro payload POSTed by a runbook page; false when it is not one (answered 400). */
  readonly faroCollect?: (body: unknown) => boolean;
  /** GET / (the node page) and its JSON endpoints; undefined for paths it does not serve. `query` is the raw text after "?". */
  readonly nodePage?: (path: string, query: string) => { status: number; headers: Readonly<Record<string, string>>; body: string } | undefined;
  /** POST /-/reload: re-reads the config and rule files; 200 when applied, 500 with every error when refused. */
  readonly reload?: () => Promise<{ ok: true } | { ok: false; errors: readonly UserError[] }>;
  /** The exporter-toolkit web config (TLS, client certificates, basic auth, headers); none: plain HTTP, open. */
  readonly web?: WebConfig;
  /** Caps on sockets and on requests in flight (config web.maxConnections, web.maxRequests); none: no cap. */
  readonly limits?: ServerLimits;
}

/** 0 means no cap, as node_exporter's --web.max-requests=0. */
export interface ServerLimits {
  readonly maxConnections: number;
  readonly maxRequests: number;
}

/** A client gets this long to send its request headers, and its whole request; then its socket is closed. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks those two timeouts (its default, 30 s, would let a slow client stay 4× longer). */
const TIMEOUT_CHECK_INTERVAL_MS = 5_000;
/** Seconds a client refused with 503 is told to wait: about the time a burst of scrapes takes to drain. */
export const RETRY_AFTER_SECONDS = 1;

/** The paths kubelet probes: open without basic auth (they tell nothing but up or ready). */
const PROBE_PATHS = new Set(['/healthz', '/readyz']);
/** Never refused by the request cap: a liveness probe refused during a scrape storm would restart the agent. */
const UNCAPPED_PATHS = new Set(['/healthz', '/readyz', '/-/healthy', '/-/ready']);

/** Files of the TLS material as last loaded: a change of any (cert-manager rotation) loads them again. */
const fileStamp = (f: string | undefined): string => {
  if (f === undefined) return '';
  const st = statSync(f);
  return `${st.ino}:${st.size}:${st.mtimeMs}`;
};

function tlsOptions(tls: WebTls): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  const ca = tls.clientCaFile !== undefined ? readFileSync(tls.clientCaFile) : undefined;
  return {
    cert: readFileSync(tls.certFile),
    key: readFileSync(tls.keyFile),
    ...(ca !== undefined ? { ca } : {}),
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ...(tls.ciphers !== undefined ? { ciphers: tls.ciphers } : {}),
    requestCert: tls.clientAuth !== 'NoClientCert',
    rejectUnauthorized: tls.clientAuth === 'RequireAndVerifyClientCert',
  };
}

const INDEX = `<!doctype html><html><head><title>Vigil</title></head><body><h1>Vigil</h1>
<ul><li><a href="/metrics">/metrics</a></li><li><a href="/healthz">/healthz</a></li><li><a href="/readyz">/readyz</a></li></ul></body></html>`;

/** A malformed %-escape is a 404, not a crash. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}

export class ListenError extends Error {
  readonly code = ErrorCode.LISTEN_FAILED;
}

export class AgentServer {
  private readonly server: Server | HttpsServer;
  private readonly deps: ServerDeps;
  private web: WebConfig | undefined;
  private auth: BasicAuth | undefined;
  private tlsStamp = '';
  private unauthorized = 0;
  private handshakeErrors = 0;
  private maxRequests = 0;
  private inFlight = 0;
  private limited = 0;
  private dropped = 0;

  constructor(deps: ServerDeps) {
    this.deps = deps;
    this.web = deps.web;
    this.auth = deps.web !== undefined && deps.web.users.size > 0 ? new BasicAuth(deps.web.users) : undefined;
    const handler: RequestListener = (req, res) => this.admit(req, res);
    // Scrapers reuse connections; keep-alive sockets must not hold stop() open.
    const timeouts = {
      keepAliveTimeout: 5000,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    };
    const tls = deps.web?.tls;
    if (tls !== undefined) {
      this.tlsStamp = this.stampOf(tls);
      const https = createHttpsServer({ ...tlsOptions(tls), ...timeouts }, handler);
      // Before the TLS server's own listener makes the TLS socket: a rotated certificate is in use from the next connection on.
      https.prependListener('connection', () => this.refreshTls());
      https.on('tlsClientError', () => this.handshakeErrors++);
      this.server = https;
    } else {
      this.server = createServer(timeouts, handler);
    }
    this.server.on('drop', () => this.dropped++);
    this.setLimits(deps.limits ?? { maxConnections: 0, maxRequests: 0 });
  }

  /** Caps from the config; applied at once (a reload too): sockets already open stay open. */
  setLimits(limits: ServerLimits): void {
    this.server.maxConnections = limits.maxConnections > 0 ? limits.maxConnections : Infinity;
    this.maxRequests = limits.maxRequests;
  }

  /**
   * The request cap: beyond `maxRequests` in flight, a fast 503 with Retry-After rather than a queue,
   * which would hold every waiting request's memory and answer it late (Prometheus does not retry
   * within a scrape; its next scrape comes anyway). Then the web config's gate and the route.
   */
  private admit(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if (this.maxRequests > 0 && !UNCAPPED_PATHS.has(q < 0 ? url : url.slice(0, q))) {
      if (this.inFlight >= this.maxRequests) {
        this.limited++;
        for (const [k, v] of Object.entries(this.web?.headers ?? {})) res.setHeader(k, v);
        const body = Buffer.from(`Limit of concurrent requests reached (${this.maxRequests}), try again later.\n`);
        res.writeHead(503, { 'content-type': 'text/plain', 'content-length': body.length, 'retry-after': String(RETRY_AFTER_SECONDS) }).end(body);
        return;
      }
      this.inFlight++;
      res.once('close', () => this.inFlight--);
    }
    this.handle(req, res);
  }

  /** The server's own counters. */
  samples(): Sample[] {
    return [
      counter('vigil_http_unauthorized_requests_total', {}, this.unauthorized),
      counter('vigil_http_tls_handshake_errors_total', {}, this.handshakeErrors),
      counter('vigil_http_requests_limited_total', {}, this.limited),
      counter('vigil_http_connections_dropped_total', {}, this.dropped),
    ];
  }

  /**
   * A reloaded web config: users, headers and TLS files apply at once; switching TLS on or off, or the
   * client auth type, needs a restart (returned as the keys, and kept as running).
   */
  setWebConfig(web: WebConfig | undefined): string[] {
    const restart: string[] = [];
    const was = this.web?.tls;
    if ((was === undefined) !== (web?.tls === undefined)) restart.push('tls_server_config');
    else if (was !== undefined && web?.tls !== undefined && was.clientAuth !== web.tls.clientAuth) restart.push('tls_server_config.client_auth_type');
    const tls = restart.length > 0 ? was : web?.tls;
    this.web = web === undefined ? undefined : { ...web, tls };
    this.auth = web !== undefined && web.users.size > 0 ? new BasicAuth(web.users) : undefined;
    this.tlsStamp = '';
    this.refreshTls();
    return restart;
  }

  private stampOf(tls: WebTls): string {
    return (
      [tls.certFile, tls.keyFile, tls.clientCaFile].map(fileStamp).join('|') +
      `|${tls.certFile}|${tls.keyFile}|${tls.clientCaFile ?? ''}|${tls.minVersion}|${tls.maxVersion}|${tls.ciphers ?? ''}`
    );
  }

  /** Loads the TLS files again when one changed; a broken new pair (half-written) keeps the old one in use and is retried. */
  private refreshTls(): void {
    const tls = this.web?.tls;
    if (tls === undefined || !('setSecureContext' in this.server)) return;
    try {
      const stamp = this.stampOf(tls);
      if (stamp === this.tlsStamp) return;
      this.server.setSecureContext(tlsOptions(tls));
      if (this.tlsStamp !== '') this.deps.logger.info({ cert: tls.certFile }, 'TLS certificate reloaded');
      this.tlsStamp = stamp;
    } catch (err) {
      logFailure(
        this.deps.logger,
        'warn',
        ErrorCode.WEB_CONFIG_INVALID,
        err,
        'the TLS certificate files cannot be loaded; the previous certificate stays in use',
        { cert: tls.certFile },
      );
    }
  }

  /** The web config's gate (client certificate, basic auth, headers), then the route. */
  private handle(req: IncomingMessage, res: ServerResponse): void {
    const web = this.web;
    if (web === undefined) {
      this.route(req, res);
      return;
    }
    for (const [k, v] of Object.entries(web.headers)) res.setHeader(k, v);
    const socket = req.socket as TLSSocket;
    const clientAuth = web.tls?.clientAuth;
    if (clientAuth === 'RequireAnyClientCert' || clientAuth === 'VerifyClientCertIfGiven') {
      const given = Object.keys(socket.getPeerCertificate?.() ?? {}).length > 0;
      if ((clientAuth === 'RequireAnyClientCert' && !given) || (clientAuth === 'VerifyClientCertIfGiven' && given && !socket.authorized)) {
        this.handshakeErrors++;
        socket.destroy();
        return;
      }
    }
    const auth = this.auth;
    const q = (req.url ?? '/').indexOf('?');
    const path = q < 0 ? (req.url ?? '/') : (req.url ?? '/').slice(0, q);
    if (auth === undefined || PROBE_PATHS.has(path)) {
      this.route(req, res);
      return;
    }
    auth.check(req.headers.authorization).then(
      (ok) => {
        if (ok) {
          this.route(req, res);
          return;
        }
        this.unauthorized++;
        res.writeHead(401, { 'www-authenticate': 'Basic realm="vigil"', 'content-type': 'text/plain' }).end('Unauthorized\n');
      },
      () => res.writeHead(500).end(),
    );
  }

  get address(): { host: string; port: number } | undefined {
    const a = this.server.address() as AddressInfo | null;
    return a ? { host: a.address, port: a.port } : undefined;
  }

  listen(listen: string): Promise<void> {
    const { host, port } = parseListen(listen)!;
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(new ListenError(`cannot listen on ${listen}: ${err.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const url = q < 0 ? raw : raw.slice(0, q);
    if (url === FARO_COLLECT_PATH && this.deps.faroCollect) {
      this.faroCollect(req, res, this.deps.faroCollect);
      return;
    }
    if (url === '/-/reload' && this.deps.reload) {
      this.reload(req, res, this.deps.reload);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const page = this.deps.nodePage?.(url, q < 0 ? '' : raw.slice(q + 1));
    if (page !== undefined) {
      res.writeHead(page.status, page.headers).end(page.body);
      return;
    }
    if (url === (this.deps.metricsPath ?? '/metrics')) {
      this.deps.prometheus.serve(req, res);
      return;
    }
    switch (url) {
      case '/healthz':
      case '/-/healthy':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
        return;
      case '/readyz':
      case '/-/ready': {
        const ready = this.deps.ready();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' }).end(ready ? 'ready\n' : 'waiting for the first tick\n');
        return;
      }
      case '/api/v1/alerts':
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.deps.alertsApi?.() ?? { status: 'success', data: { alerts: [] } }));
        return;
      case '/':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(INDEX);
        return;
      default: {
        const runbook = url?.startsWith('/runbooks/') ? this.deps.runbookHtml?.(safeDecode(url.slice('/runbooks/'.length))) : undefined;
        if (runbook !== undefined) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(runbook);
          return;
        }
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      }
    }
  }

  /**
   * POST /faro/collect: at most 64 KB of JSON from a browser, handed to the alerting stage, which
   * trusts none of it. 204 when taken, 400 when not JSON or not a Faro payload, 413 when too large.
   */
  private faroCollect(req: IncomingMessage, res: ServerResponse, collect: (body: unknown) => boolean): void {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const tooLarge = () => {
      // Then close the connection: the rest of an oversized body is not worth reading.
      res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' }).end(`body larger than ${FARO_COLLECT_MAX_BYTES} bytes\n`, () => req.destroy());
    };
    const declared = Number(req.headers['content-length']);
    if (declared > FARO_COLLECT_MAX_BYTES) {
      tooLarge();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (res.headersSent) return;
      size += chunk.length;
      if (size > FARO_COLLECT_MAX_BYTES) tooLarge();
      else chunks.push(chunk);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (res.headersSent) return;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('body is not JSON\n');
        return;
      }
      if (collect(body)) res.writeHead(204).end();
      else res.writeHead(400, { 'content-type': 'text/plain' }).end('body is not a Faro payload\n');
    });
  }

  /** POST /-/reload (PUT too, as Prometheus); answered when the reload is done, like Prometheus' lifecycle API. */
  private reload(req: IncomingMessage, res: ServerResponse, reload: NonNullable<ServerDeps['reload']>): void {
    if (req.method !== 'POST' && req.method !== 'PUT') {
      res.writeHead(405, { allow: 'POST, PUT' }).end();
      return;
    }
    req.resume();
    reload().then(
      (r) => {
        if (r.ok) res.writeHead(200, { 'content-type': 'text/plain' }).end('configuration reloaded\n');
        else
          res
            .writeHead(500, { 'content-type': 'text/plain' })
            .end(redact(`failed to reload config:\n${r.errors.map(formatUserError).join('\n')}\n`, knownSecrets()));
      },
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('failed to reload config\n'),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
