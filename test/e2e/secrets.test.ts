// No secret in any output: a distinct secret is planted in every place the config can hold or name one
// — an OTLP header, passwords in the Alertmanager and OTLP URLs, an Alertmanager basic auth password
// file and bearer token file, a Kafka SASL password file and TLS key, a PostgreSQL password from the
// environment and one inside a DSN — and `vigil check-config`, the agent's stdout and stderr (with
// failing deliveries and a refused reload), /metrics, /api/v1/alerts and the OTLP payloads it sends are
// searched for every one of them (Kafka payloads: test/e2e/kafka.test.ts, SASL case).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, runCli, startAgent } from '../peers/agent.ts';
import { freePort, until } from '../peers/child.ts';
import { makeServerCert } from '../peers/tls.ts';

const tag = Math.random().toString(36).slice(2, 8);
const SECRETS = {
  otlpHeader: `otlphdr-${tag}-a1`,
  alertmanagerUrl: `amurlpw-${tag}-b2`,
  otlpUrl: `otlpurlpw-${tag}-c3`,
  alertmanagerBasicAuth: `ambasic-${tag}-d4`,
  alertmanagerBearer: `ambearer-${tag}-e5`,
  kafkaSasl: `kafkasasl-${tag}-f6`,
  pgEnv: `pgenvpw-${tag}-g7`,
  pgDsn: `pgdsnpw-${tag}-h8`,
};

let dir = '';
let configFile = '';
let kafkaKey = '';
let otlp: Server;
const otlpBodies: Buffer[] = [];
let agent: AgentPeer | undefined;

/** Every secret (and, for the PEM key, each of its base64 lines) found in `text`. */
function leaks(text: string): string[] {
  const found = Object.entries(SECRETS)
    .filter(([, s]) => text.includes(s))
    .map(([k]) => k);
  for (const line of kafkaKey.split('\n')) if (line.length >= 16 && !line.startsWith('-----') && text.includes(line)) found.push('kafkaTlsKey');
  return found;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-secrets-'));
  const tls = await makeServerCert(dir, { caName: 'secrets-ca', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  kafkaKey = readFileSync(tls.keyFile, 'utf8');
  const file = (name: string, text: string) => {
    const p = path.join(dir, name);
    writeFileSync(p, `${text}\n`);
    return p;
  };
  otlp = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      otlpBodies.push(Buffer.concat(chunks), Buffer.from(req.url ?? ''));
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => otlp.listen(0, '127.0.0.1', r));
  const otlpPort = (otlp.address() as { port: number }).port;
  const refused = await freePort();
  const rules = file('always.rules.yml', 'groups:\n  - name: always\n    rules:\n      - alert: AlwaysFiring\n        expr: node_load1 >= 0\n');
  configFile = file(
    'vigil.yml',
    [
      `stateDir: ${path.join(dir, 'state')}`,
      'detector: { enabled: false }',
      'alerting:',
      `  ruleFiles: [${rules}]`,
      '  evaluationInterval: 200ms',
      '  alertmanagers:',
      `    - { url: "http://am:${SECRETS.alertmanagerUrl}@127.0.0.1:${refused}", timeout: 1s }`,
      `    - { url: "http://127.0.0.1:${refused}/b", timeout: 1s, basicAuth: { username: am, passwordFile: ${file('am-pw', SECRETS.alertmanagerBasicAuth)} } }`,
      `    - { url: "http://127.0.0.1:${refused}/c", timeout: 1s, bearerTokenFile: ${file('am-token', SECRETS.alertmanagerBearer)} }`,
      'sinks:',
      `  otlp: { enabled: true, endpoint: "http://otlp:${SECRETS.otlpUrl}@127.0.0.1:${otlpPort}", protocol: http/protobuf, exportInterval: 300ms, headers: { x-api-key: "${SECRETS.otlpHeader}" } }`,
      '  kafka:',
      '    enabled: true',
      `    brokers: ["127.0.0.1:${refused}"]`,
      `    tls: { enabled: true, keyFile: ${tls.keyFile}, certFile: ${tls.certFile} }`,
      `    sasl: { mechanism: plain, username: vigil, passwordFile: ${file('kafka-pw', SECRETS.kafkaSasl)} }`,
      'postgres:',
      '  targets:',
      `    - { name: env, host: 127.0.0.1, port: ${refused}, user: vigil, database: postgres, passwordEnv: PG_SECRET_PW, sslmode: disable, timeout: 1s }`,
      `    - { name: dsn, dsn: "postgresql://vigil:${SECRETS.pgDsn}@127.0.0.1:${refused}/postgres?sslmode=disable", timeout: 1s }`,
      '',
    ].join('\n'),
  );
}, 60_000);

afterAll(async () => {
  await agent?.stop('SIGTERM');
  await new Promise<void>((r) => otlp.close(() => r()));
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('no secrets in output', () => {
  it('check-config prints the effective config with every secret redacted', async () => {
    const r = await runCli(['check-config', configFile], { PG_SECRET_PW: SECRETS.pgEnv });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('[redacted]');
    expect(leaks(r.stdout + r.stderr)).toEqual([]);
  });

  it('the running agent says none in logs, /metrics, /api/v1/alerts or what it sends, failing deliveries and refused reloads included', async () => {
    const a = await startAgent({ interval: '200ms', args: ['--config', configFile], env: { PG_SECRET_PW: SECRETS.pgEnv } });
    agent = a;
    // Every delivery has failed at least once (and logged it), and OTLP has exported.
    await a.waitForLog((e) => e.code === 'VIGIL_ERR_PG_TARGET_DOWN', 15_000);
    await a.waitForLog((e) => typeof e.code === 'string' && e.code.startsWith('VIGIL_ERR_ALERTMANAGER'), 15_000);
    await a.waitForLog((e) => typeof e.code === 'string' && e.code.startsWith('VIGIL_ERR_KAFKA'), 15_000);
    await until('OTLP exports received', () => otlpBodies.length >= 4);
    // A refused reload prints its errors too.
    writeFileSync(configFile, readFileSync(configFile, 'utf8').replace('detector: { enabled: false }', 'detector: { enabled: false }\nnosuch: 1'));
    const refused = await fetch(`${a.url}/-/reload`, { method: 'POST' });
    expect(refused.status).toBe(500);
    const outputs = {
      reload: await refused.text(),
      metrics: await a.scrape(),
      alerts: await (await fetch(`${a.url}/api/v1/alerts`)).text(),
      stdout: a.stdout(),
      stderr: a.stderr(),
      otlp: Buffer.concat(otlpBodies).toString('latin1'),
    };
    expect(outputs.alerts).toContain('AlwaysFiring');
    for (const [where, text] of Object.entries(outputs)) expect({ where, leaks: leaks(text) }).toEqual({ where, leaks: [] });
  });
});
