// Secured endpoints: what TLS, a required client certificate and basic auth (bcrypt, cached per
// credential) cost a scrape of /metrics. Two agents on this host with the same config, one plain and
// one behind a web config; scraped alternately over one keep-alive connection each, as Prometheus
// scrapes, so that both see the same machine load. Goal: p99 within 2× of plain HTTP.
// Run alone: `node bench/web-config.ts` prints the section.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import bcrypt from 'bcryptjs';
import { spawnAgent, startAgent } from '../test/peers/agent.ts';
import { freePort, until } from '../test/peers/child.ts';
import { makeServerCert, signLeaf } from '../test/peers/tls.ts';
import { ms, ratio, table, verdict } from './markdown.ts';
import { percentile } from './scrape.ts';
import type { BenchSection } from './section.ts';

const SCRAPES = 1000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Time from sending a GET to its last byte; rejects unless 200. */
function timed(send: (onResponse: (res: IncomingMessage) => void) => { on(e: 'error', f: (err: Error) => void): unknown; end(): void }): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = send((res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

export const webConfigSection: BenchSection = {
  title: 'Secured endpoints (TLS, client certificate, basic auth)',
  async run(ctx) {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-web-'));
    const stops: Array<() => Promise<unknown>> = [];
    try {
      const ca = await makeServerCert(dir, { caName: 'bench-ca', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
      const client = await signLeaf(ca, dir, 'client', { usage: 'clientAuth' });
      const web = path.join(dir, 'web.yml');
      writeFileSync(
        web,
        `tls_server_config:\n  cert_file: ${ca.certFile}\n  key_file: ${ca.keyFile}\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ${ca.caFile}\nbasic_auth_users:\n  prometheus: "${bcrypt.hashSync('bench-pw', 10)}"\n`,
      );
      const config = path.join(dir, 'vigil.yml');
      writeFileSync(config, `stateDir: ${path.join(dir, 'state')}\ndetector: { enabled: false }\n`);
      ctx.log('web config: starting a plain and a secured agent');
      const plain = await startAgent({ interval: '10s', args: ['--config', config] });
      stops.push(() => plain.stop());
      const port = await freePort();
      const secured = await spawnAgent(['run', '--listen', `127.0.0.1:${port}`, '--interval', '10s', '--config', config, '--web.config.file', web]);
      stops.push(() => secured.stop());
      const tls = { ca: readFileSync(ca.caFile), cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) };
      const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 1, ...tls });
      const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
      const securedGet = () => timed((cb) => httpsRequest({ host: '127.0.0.1', port, path: '/metrics', auth: 'prometheus:bench-pw', agent: httpsAgent }, cb));
      const plainGet = () => timed((cb) => httpRequest(`${plain.url}/metrics`, { agent: httpAgent }, cb));
      await until('the secured agent ready', async () => (await securedGet()) > 0);
      const plainMs: number[] = [];
      const securedMs: number[] = [];
      for (let i = -50; i < SCRAPES; i++) {
        const a = await plainGet();
        const b = await securedGet();
        if (i >= 0) {
          plainMs.push(a);
          securedMs.push(b);
        }
      }
      httpsAgent.destroy();
      httpAgent.destroy();
      const row = (name: string, xs: number[]) => [name, ms(percentile(xs, 50)), ms(percentile(xs, 99))];
      const p99 = [percentile(plainMs, 99), percentile(securedMs, 99)] as const;
      return [
        `${SCRAPES} scrapes of /metrics each, alternating between a plain agent and one with TLS (P-256), a required client certificate and basic auth (bcrypt cost 10, outcome cached per credential), one keep-alive connection each, after 50 warm-up scrapes:`,
        '',
        table(['agent', 'p50', 'p99'], [row('plain HTTP', plainMs), row('TLS + client certificate + basic auth', securedMs)]),
        '',
        table(['p99 secured / plain', 'within 2×'], [[ratio(p99[1], p99[0]), verdict(p99[1] <= 2 * p99[0])]]),
      ].join('\n');
    } finally {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${await webConfigSection.run({ log: (m) => process.stderr.write(`${m}\n`), root: ROOT, vigil: undefined as never })}\n`);
}
