import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { BasicAuth } from './web-auth.ts';
import { loadWebConfig } from './web-config.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-webcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(text: string) {
  const file = path.join(dir, `web-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, text);
  return { file, result: await loadWebConfig(file) };
}

describe('loadWebConfig', () => {
  it('takes bcrypt hashes and headers', async () => {
    const hash = bcrypt.hashSync('pw', 4);
    const { result } = await load(`basic_auth_users:\n  alice: "${hash}"\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\n`);
    expect(result.ok && result.web.users.get('alice')).toBe(hash);
    expect(result.ok && result.web.headers).toEqual({ 'X-Frame-Options': 'deny' });
  });

  it('reports every error at its key path, never echoing a password', async () => {
    const { file, result } = await load(
      'basic_auth_users:\n  alice: plain-secret-1\ntls_server_config:\n  cert_file: /nonexistent/tls.crt\n  key_file: /nonexistent/tls.key\n  client_auth_type: RequireAndVerifyClientCert\n  min_version: TLS14\nunknown: 1\n',
    );
    expect(result.ok).toBe(false);
    const where = result.ok ? [] : result.errors.map((e) => e.where).sort();
    expect(where).toEqual([`${file}: basic_auth_users.alice`, `${file}: tls_server_config.min_version`, `${file}: unknown`].sort());
    expect(JSON.stringify(result)).not.toContain('plain-secret-1');
  });

  it('names a missing certificate file and a client CA that client_auth_type needs', async () => {
    const { file, result } = await load(
      'tls_server_config:\n  cert_file: /nonexistent/tls.crt\n  key_file: /nonexistent/tls.key\n  client_auth_type: RequireAndVerifyClientCert\n',
    );
    const where = result.ok ? [] : result.errors.map((e) => e.where).sort();
    expect(where).toEqual([`${file}: tls_server_config.cert_file`, `${file}: tls_server_config.client_ca_file`, `${file}: tls_server_config.key_file`]);
  });
});

describe('BasicAuth', () => {
  const auth = new BasicAuth(new Map([['alice', bcrypt.hashSync('right', 8)]]));
  const header = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

  it('accepts the right password and refuses the rest', async () => {
    expect(await auth.check(header('alice', 'right'))).toBe(true);
    expect(await auth.check(header('alice', 'wrong'))).toBe(false);
    expect(await auth.check(header('bob', 'right'))).toBe(false);
    expect(await auth.check(undefined)).toBe(false);
    expect(await auth.check('Bearer x')).toBe(false);
  });

  it('pays a bcrypt once per credential, not per request', async () => {
    await auth.check(header('alice', 'right'));
    const t = performance.now();
    for (let i = 0; i < 1000; i++) await auth.check(header('alice', 'right'));
    expect(performance.now() - t).toBeLessThan(500);
  });

  it('takes as long for an unknown user as for a wrong password (no user enumeration by timing)', async () => {
    const time = async (user: string) => {
      const t = performance.now();
      for (let i = 0; i < 6; i++) await auth.check(header(user, `guess-${user}-${i}`));
      return performance.now() - t;
    };
    await time('warm');
    const known = await time('alice');
    const unknown = await time('mallory');
    expect(unknown / known).toBeGreaterThan(0.5);
    expect(unknown / known).toBeLessThan(2);
  });
});
