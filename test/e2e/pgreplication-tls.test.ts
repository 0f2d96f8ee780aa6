// PostgreSQL over TLS: a primary (and its streaming replica) with ssl=on and only `hostssl` lines in
// pg_hba.conf, a CA and server certificate for localhost/127.0.0.1 made with openssl at setup, and
// the real agent with one target per sslmode case. Shows what each sslmode promises: verify-full
// checks chain and name, require encrypts without checking, disable is refused by a server that
// demands TLS. pg_stat_ssl on the server confirms the agent's sessions are encrypted.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { type AgentPeer, type LogEvent, startAgent } from '../peers/agent.ts';
import { MONITOR_USER, type PgPair, startPrimaryReplica } from '../peers/postgres.ts';
import { type Exposition, parsePromText } from '../peers/prom-text.ts';
import { type TestCa, makeServerCert } from '../peers/tls.ts';

const PASSWORD = 'Vigil-tls-pw-5b81e0';
/** Also on loopback, but not in the server certificate: the name check must fail there. */
const UNLISTED_ADDRESS = '127.0.0.2';

let dir: string;
let pair: PgPair;
let agent: AgentPeer;
let good: TestCa;
let other: TestCa;

/** Targets by name: what each one is configured with (besides user and passwordFile). */
function targets(): Record<string, Record<string, string | number>> {
  const port = pair.primary.port;
  return {
    'verify-full': { host: '127.0.0.1', port, sslmode: 'verify-full', sslrootcert: good.caFile },
    'verify-full-dns': { host: 'localhost', port, sslmode: 'verify-full', sslrootcert: good.caFile },
    'verify-full-replica': { host: '127.0.0.1', port: pair.replica.port, sslmode: 'verify-full', sslrootcert: good.caFile },
    'wrong-ca': { host: '127.0.0.1', port, sslmode: 'verify-full', sslrootcert: other.caFile },
    'wrong-name': { host: UNLISTED_ADDRESS, port, sslmode: 'verify-full', sslrootcert: good.caFile },
    'verify-ca-unlisted-name': { host: UNLISTED_ADDRESS, port, sslmode: 'verify-ca', sslrootcert: good.caFile },
    'require-no-ca': { host: '127.0.0.1', port, sslmode: 'require' },
    disable: { host: '127.0.0.1', port, sslmode: 'disable' },
  };
}

function configYaml(): string {
  const lines = ['interval: 500ms', 'collectorTimeout: 3s', 'logLevel: info', 'postgres:', '  targets:'];
  for (const [name, keys] of Object.entries(targets())) {
    lines.push(`    - name: ${name}`, `      user: ${MONITOR_USER}`, `      passwordFile: ${path.join(dir, 'pgpass')}`, '      timeout: 2s');
    for (const [k, v] of Object.entries(keys)) lines.push(`      ${k}: ${JSON.stringify(v)}`);
  }
  // The same verified connection through a DSN (sslmode and sslrootcert as query parameters).
  lines.push(
    '    - name: dsn-verify-full',
    `      dsn: "postgresql://${MONITOR_USER}:${PASSWORD}@localhost:${pair.primary.port}/postgres?sslmode=verify-full&sslrootcert=${encodeURIComponent(good.caFile)}"`,
    '      timeout: 2s',
  );
  return lines.join('\n') + '\n';
}

const pgUp = (e: Exposition, target: string): number | undefined => e.families.get('pg_up')?.samples.find((s) => s.labels.target === target)?.value;

/** The first exposition in which every named target has a pg_up sample (each one has been tried). */
async function settled(names: readonly string[], timeoutMs = 20_000): Promise<Exposition> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = parsePromText(await agent.scrape());
    if (names.every((n) => pgUp(e, n) !== undefined)) return e;
    if (Date.now() > deadline) throw new Error(`pg_up missing for some of ${names.join(', ')}`);
    await sleep(200);
  }
}

/** The agent's "target down" warning for `target`. */
const downEvent = (target: string): Promise<LogEvent> => agent.waitForLog((ev) => ev.target === target && ev.code === ErrorCode.PG_TARGET_DOWN, 15_000);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-pgtls-e2e-'));
  mkdirSync(path.join(dir, 'good'));
  mkdirSync(path.join(dir, 'other'));
  [good, other] = await Promise.all([
    makeServerCert(path.join(dir, 'good'), { caName: 'Vigil test CA', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
    // Same names, another CA: a client trusting this one must refuse the server.
    makeServerCert(path.join(dir, 'other'), { caName: 'Some other CA', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] }),
  ]);
  writeFileSync(path.join(dir, 'pgpass'), `${PASSWORD}\n`, { mode: 0o600 });
  pair = await startPrimaryReplica({
    monitorPassword: PASSWORD,
    ssl: { certFile: good.certFile, keyFile: good.keyFile, required: true },
    listenAddresses: ['127.0.0.1', UNLISTED_ADDRESS],
  });
  writeFileSync(path.join(dir, 'vigil.yml'), configYaml());
  agent = await startAgent({ args: ['--config', path.join(dir, 'vigil.yml')] });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await pair?.teardown();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('pgreplication over TLS against a server that requires it', () => {
  it('verify-full with the right CA is up, by address, by DNS name, through a DSN, on the replica too', async () => {
    const e = await settled(['verify-full', 'verify-full-dns', 'dsn-verify-full', 'verify-full-replica']);
    expect(pgUp(e, 'verify-full')).toBe(1);
    expect(pgUp(e, 'verify-full-dns')).toBe(1);
    expect(pgUp(e, 'dsn-verify-full')).toBe(1);
    expect(pgUp(e, 'verify-full-replica')).toBe(1);
    // Up means collected: the replica view is there over the encrypted session.
    expect(e.families.get('pg_replication_is_replica')?.samples.find((s) => s.labels.target === 'verify-full-replica')?.value).toBe(1);
  });

  it('verify-full with a CA that did not sign the server certificate is down, with a clear reason', async () => {
    const e = await settled(['wrong-ca']);
    expect(pgUp(e, 'wrong-ca')).toBe(0);
    const ev = await downEvent('wrong-ca');
    // Names the setting to check, in the user's terms (not Node's advice about the system CA store).
    expect(ev.err).toMatch(/^TLS \(sslmode=verify-full\): /);
    expect(ev.err).toContain(`not signed by the CA in sslrootcert ${other.caFile}`);
    expect(ev.err).not.toMatch(/use-system-ca/);
  });

  it('verify-full with a host name that is not in the certificate is down; verify-ca accepts it', async () => {
    const e = await settled(['wrong-name', 'verify-ca-unlisted-name']);
    expect(pgUp(e, 'wrong-name')).toBe(0);
    const ev = await downEvent('wrong-name');
    expect(ev.err).toMatch(
      /^TLS \(sslmode=verify-full\): the server certificate is not valid for host 127\.0\.0\.2: .*IP: 127\.0\.0\.2 is not in the cert's list: 127\.0\.0\.1$/,
    );
    // The chain is good; only the name differs, and verify-ca does not check names.
    expect(pgUp(e, 'verify-ca-unlisted-name')).toBe(1);
  });

  it('require without a CA is up: encrypted, not verified', async () => {
    const e = await settled(['require-no-ca']);
    expect(pgUp(e, 'require-no-ca')).toBe(1);
  });

  it('disable against a server with only hostssl rules is down, refused by pg_hba', async () => {
    const e = await settled(['disable']);
    expect(pgUp(e, 'disable')).toBe(0);
    const ev = await downEvent('disable');
    expect(String(ev.err)).toMatch(/pg_hba\.conf.*no encryption/i);
  });

  it("the server's pg_stat_ssl shows every agent session encrypted", async () => {
    await settled(Object.keys(targets()));
    // On the primary: verify-full, verify-full-dns, dsn-verify-full, verify-ca-unlisted-name, require-no-ca.
    const rows = await pair.primary.query<{ ssl: boolean; version: string | null; cipher: string | null }>(
      `SELECT s.ssl, s.version, s.cipher FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
        WHERE a.application_name = 'vigil' AND a.usename = $1`,
      [MONITOR_USER],
    );
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r.ssl).toBe(true);
      expect(r.version).toMatch(/^TLSv1\.[23]$/);
      expect(r.cipher).toBeTruthy();
    }
  });

  it('never writes the password into logs or /metrics', async () => {
    await settled(Object.keys(targets()));
    const text = await agent.scrape();
    expect(text).not.toContain(PASSWORD);
    expect(agent.stdout()).not.toContain(PASSWORD);
    expect(agent.stderr()).not.toContain(PASSWORD);
    // Nothing else on stderr either (an IP address sent as TLS SNI would print Node's DEP0123 here).
    expect(agent.stderr()).toBe('');
    // The down targets did log their reasons, so the check above looked at real error text.
    expect(agent.logs().filter((ev) => ev.code === ErrorCode.PG_TARGET_DOWN).length).toBeGreaterThanOrEqual(3);
  });
});
