// The exporter-toolkit web config against a real Prometheus: /metrics over TLS with a client
// certificate required and basic auth (bcrypt), scraped by Prometheus (`scheme: https`,
// `tls_config`, `basic_auth`); a wrong password is a 401, counted; a client without a certificate is
// refused in the handshake; a rotated certificate is served from the next connection without a
// restart; the configured headers are sent; /healthz and /readyz need no password. Bad web configs
// (plain-text password, missing certificate) exit 2 with the key path, and a reload refuses them.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMethods, runCli, spawnAgent, startAgent, type AgentPeer } from '../peers/agent.ts';
import { freePort, type Peer, until } from '../peers/child.ts';
import { type PrometheusPeer, startPrometheus } from '../peers/prometheus.ts';
import { makeServerCert, signLeaf, type TestCa } from '../peers/tls.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';

const USER = 'prometheus';
const PASSWORD = 'scrape-pw-7f3a';
let dir = '';
let ca: TestCa;
let client: { certFile: string; keyFile: string };
let agent: Peer & Pick<AgentPeer, 'logs' | 'waitForLog'>;
let port = 0;
let prometheus: PrometheusPeer | undefined;
let webFile = '';
let configFile = '';
const serving = { certFile: '', keyFile: '' };

function webConfig(extra: { users?: Record<string, string>; clientAuth?: string } = {}): string {
  const users = extra.users ?? { [USER]: bcrypt.hashSync(PASSWORD, 10) };
  return [
    'tls_server_config:',
    `  cert_file: ${serving.certFile}`,
    `  key_file: ${serving.keyFile}`,
    `  client_auth_type: ${extra.clientAuth ?? 'RequireAndVerifyClientCert'}`,
    `  client_ca_file: ${ca.caFile}`,
    'http_server_config:',
    '  headers:',
    '    X-Frame-Options: deny',
    '    Strict-Transport-Security: max-age=31536000',
    'basic_auth_users:',
    ...Object.entries(users).map(([u, h]) => `  ${u}: ${JSON.stringify(h)}`),
    '',
  ].join('\n');
}

let pemCache: { ca: Buffer; cert: Buffer; key: Buffer } | undefined;
/** The CA and client certificate, read once (not inside the timed scrapes). */
const pem = () => (pemCache ??= { ca: readFileSync(ca.caFile), cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) });

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  fingerprint: string;
}

/** One HTTPS exchange; `cert: false` offers no client certificate; a new connection unless `agent` is given. */
function get(pathname: string, opts: { cert?: boolean; auth?: string; agent?: HttpsAgent; method?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: opts.method ?? 'GET',
        ...pem(),
        ...(opts.cert === false ? { cert: undefined, key: undefined } : {}),
        ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
        agent: opts.agent ?? false,
      },
      (res) => {
        // Read now: with a keep-alive agent the socket is handed back before 'end'.
        const fingerprint = (res.socket as TLSSocket | null)?.getPeerCertificate?.().fingerprint256 ?? '';
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), fingerprint }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The certificate the server presents on a new TLS connection (no HTTP). */
function servedFingerprint(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca: readFileSync(ca.caFile), cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) }, () => {
      const fp = s.getPeerCertificate().fingerprint256;
      s.end();
      resolve(fp);
    });
    s.on('error', reject);
  });
}

const fingerprintOf = (file: string): string => new X509Certificate(readFileSync(file)).fingerprint256;
const auth = `${USER}:${PASSWORD}`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-web-'));
  mkdirSync(path.join(dir, 'ca'));
  mkdirSync(path.join(dir, 'live'));
  ca = await makeServerCert(path.join(dir, 'ca'), { caName: 'vigil-web-test-ca', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  client = await signLeaf(ca, dir, 'client', { usage: 'clientAuth' });
  serving.certFile = path.join(dir, 'live', 'tls.crt');
  serving.keyFile = path.join(dir, 'live', 'tls.key');
  copyFileSync(ca.certFile, serving.certFile);
  copyFileSync(ca.keyFile, serving.keyFile);
  webFile = path.join(dir, 'web.yml');
  writeFileSync(webFile, webConfig());
  configFile = path.join(dir, 'vigil.yml');
  writeFileSync(configFile, `stateDir: ${path.join(dir, 'state')}\ndetector: { enabled: false }\n`);
  port = await freePort();
  const peer = await spawnAgent(['run', '--listen', `127.0.0.1:${port}`, '--interval', '500ms', '--config', configFile, '--web.config.file', webFile]);
  agent = { ...peer, ...agentMethods({ ...peer, port, url: `https://127.0.0.1:${port}` }) };
  await until('the agent ready over TLS', async () => (await get('/readyz')).status === 200, { context: () => peer.stdout().slice(-2000) + peer.stderr() });
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await agent?.stop('SIGTERM');
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('web config: TLS, client certificates, basic auth', () => {
  it('is scraped by a real Prometheus over TLS with basic auth; a wrong password is a 401, counted', async () => {
    const tlsConfig = { ca_file: ca.caFile, cert_file: client.certFile, key_file: client.keyFile };
    prometheus = await startPrometheus([
      { job: 'vigil', targets: [`127.0.0.1:${port}`], scheme: 'https', tlsConfig, basicAuth: { username: USER, password: PASSWORD } },
      { job: 'wrong-password', targets: [`127.0.0.1:${port}`], scheme: 'https', tlsConfig, basicAuth: { username: USER, password: 'not-it' } },
    ]);
    const p = prometheus;
    await until('vigil up, wrong-password down', async () => {
      const up = await p.query('up');
      const v = (job: string) => up.find((s) => s.metric.job === job)?.value[1];
      return v('vigil') === '1' && v('wrong-password') === '0';
    });
    await until('401s counted', async () => {
      const r = await p.query('vigil_http_unauthorized_requests_total{job="vigil"}');
      return Number(r[0]?.value[1] ?? 0) > 0;
    });
    expect((await p.query('node_load1{job="vigil"}')).length).toBe(1);
  });

  it('answers 401 to a wrong or missing password, and sends the configured headers', async () => {
    const wrong = await get('/metrics', { auth: `${USER}:nope` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic/);
    expect((await get('/metrics', { auth: `nobody:${PASSWORD}` })).status).toBe(401);
    expect((await get('/metrics')).status).toBe(401);
    const ok = await get('/metrics', { auth });
    expect(ok.status).toBe(200);
    expect(ok.headers['x-frame-options']).toBe('deny');
    expect(ok.headers['strict-transport-security']).toBe('max-age=31536000');
    expect((await get('/api/v1/alerts')).status).toBe(401);
    expect((await get('/-/reload', { method: 'POST' })).status).toBe(401);
  });

  it('keeps /healthz and /readyz open to probes without a password', async () => {
    expect((await get('/healthz')).status).toBe(200);
    expect((await get('/readyz')).status).toBe(200);
  });

  it('refuses a client without a certificate in the TLS handshake, and counts it', async () => {
    await expect(get('/healthz', { cert: false })).rejects.toThrow();
    const e = parsePromText((await get('/metrics', { auth })).body);
    await until(
      'handshake error counted',
      async () => scalar(parsePromText((await get('/metrics', { auth })).body), 'vigil_http_tls_handshake_errors_total') > 0,
    );
    expect(scalar(e, 'vigil_config_last_reload_successful')).toBe(1);
  });

  it('serves a rotated certificate from the next connection on, without a restart', async () => {
    const before = await servedFingerprint();
    expect(before).toBe(fingerprintOf(serving.certFile));
    const next = await signLeaf(ca, dir, 'rotated', { usage: 'serverAuth', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    // As cert-manager's Secret update lands through the kubelet: each file replaced whole.
    renameSync(next.keyFile, serving.keyFile);
    renameSync(next.certFile, serving.certFile);
    const want = fingerprintOf(serving.certFile);
    expect(want).not.toBe(before);
    await until('the rotated certificate served', async () => (await servedFingerprint()) === want);
    expect((await get('/metrics', { auth })).status).toBe(200);
    await agent.waitForLog((e) => e.msg === 'TLS certificate reloaded');
    const p = prometheus!;
    const scrapes = Number((await p.query('count_over_time(up{job="vigil"}[1h])'))[0]?.value[1]);
    await until('Prometheus still scrapes after the rotation', async () => {
      const r = await p.query('count_over_time(up{job="vigil"}[1h])');
      return Number(r[0]?.value[1]) > scrapes + 1 && (await p.query('up{job="vigil"}'))[0]?.value[1] === '1';
    });
  });

  it('refuses a reload with a plain-text password and keeps the running web config', async () => {
    writeFileSync(webFile, webConfig({ users: { [USER]: 'plain-text-password-9d2e' } }));
    process.kill(agent.pid, 'SIGHUP');
    const ev = await agent.waitForLog((e) => e.code === 'VIGIL_ERR_WEB_CONFIG_INVALID');
    expect(ev.where).toBe(`${webFile}: basic_auth_users.${USER}`);
    expect(JSON.stringify(agent.logs())).not.toContain('plain-text-password-9d2e');
    expect((await get('/metrics', { auth })).status).toBe(200);
    writeFileSync(webFile, webConfig());
  });
});

describe('web config: bad input at start', () => {
  it('exits 2 with the key path for a plain-text password or a missing certificate file', async () => {
    const bad = path.join(dir, 'bad-web.yml');
    writeFileSync(bad, `basic_auth_users:\n  admin: hunter2-plain\n`);
    const r1 = await runCli(['run', '--listen', '127.0.0.1:0', '--config', configFile, '--web.config.file', bad]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`VIGIL_ERR_WEB_CONFIG_INVALID ${bad}: basic_auth_users.admin`);
    expect(r1.stderr + r1.stdout).not.toContain('hunter2-plain');
    writeFileSync(bad, `tls_server_config:\n  cert_file: ${path.join(dir, 'nope.crt')}\n  key_file: ${serving.keyFile}\n`);
    const r2 = await runCli(['run', '--listen', '127.0.0.1:0', '--config', configFile, '--web.config.file', bad]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`VIGIL_ERR_WEB_CONFIG_INVALID ${bad}: tls_server_config.cert_file`);
    // check-config checks it too.
    const r3 = await runCli(['check-config', configFile, '--web.config.file', bad]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain(`VIGIL_ERR_WEB_CONFIG_INVALID ${bad}: tls_server_config.cert_file`);
  });
});

describe('web config: cost of TLS and basic auth on /metrics', () => {
  it('keeps the scrape p99 within 2x of plain HTTP (bcrypt cached per credential)', async () => {
    const plain = await startAgent({ interval: '500ms', args: ['--config', configFile] });
    try {
      const N = 300;
      const p99 = (xs: number[]) => xs.sort((a, b) => a - b)[Math.ceil(xs.length * 0.99) - 1]!;
      const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: 1 });
      const plainKeepAlive = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      const plainGet = () =>
        new Promise<void>((resolve, reject) => {
          const req = httpRequest(`${plain.url}/metrics`, { agent: plainKeepAlive }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', reject);
          req.end();
        });
      const plainTimes: number[] = [];
      const tlsTimes: number[] = [];
      // Interleaved, after a warm-up, so that both see the same machine load.
      for (let i = -20; i < N; i++) {
        let t = performance.now();
        await plainGet();
        if (i >= 0) plainTimes.push(performance.now() - t);
        t = performance.now();
        const r = await get('/metrics', { auth, agent: keepAlive });
        if (i >= 0) tlsTimes.push(performance.now() - t);
        expect(r.status).toBe(200);
      }
      keepAlive.destroy();
      plainKeepAlive.destroy();
      const [a, b] = [p99(plainTimes), p99(tlsTimes)];
      console.log(`scrape p99: plain HTTP ${a.toFixed(1)} ms, TLS + client cert + basic auth ${b.toFixed(1)} ms (${N} scrapes each, keep-alive)`);
      // p50 catches a bcrypt per scrape (tens of ms each); p99 on 2 shared cores with other tests running is
      // noisy, so it gets slack here: bench/web-config.ts measures the 2× goal on a quiet machine.
      const p50 = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
      expect(p50(tlsTimes)).toBeLessThan(2 * p50(plainTimes) + 2);
      expect(b).toBeLessThan(2 * a + 25);
    } finally {
      await plain.stop();
    }
  });
});
