import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sslOption, tlsFailureReason } from './tls.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-pgtls-unit-'));
const ca = path.join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sslOption: libpq sslmode meanings', () => {
  it('disable and allow connect in plain text', async () => {
    expect(await sslOption({ sslmode: 'disable', sslrootcert: ca })).toBe(false);
    expect(await sslOption({ sslmode: 'allow' })).toBe(false);
  });

  it('prefer and require without a CA encrypt without verifying', async () => {
    expect(await sslOption({ sslmode: 'prefer' })).toEqual({ rejectUnauthorized: false });
    expect(await sslOption({ sslmode: 'require' })).toEqual({ rejectUnauthorized: false });
  });

  it('require with a CA and verify-ca check the chain but not the name', async () => {
    for (const sslmode of ['require', 'verify-ca'] as const) {
      const o = await sslOption({ sslmode, sslrootcert: ca });
      expect(o).toMatchObject({ rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') });
      expect(o !== false && o.checkServerIdentity?.('db1', {} as never)).toBeUndefined();
    }
  });

  it('verify-full checks the chain and leaves the name check to Node (no SNI set for IP addresses)', async () => {
    const o = await sslOption({ sslmode: 'verify-full', sslrootcert: ca });
    expect(o).toMatchObject({ rejectUnauthorized: true });
    expect(o !== false && 'checkServerIdentity' in o).toBe(false);
    expect(o !== false && 'servername' in o).toBe(false);
  });

  it('names the sslrootcert it cannot read', async () => {
    await expect(sslOption({ sslmode: 'verify-full', sslrootcert: path.join(dir, 'missing.pem') })).rejects.toThrow(
      /cannot read sslrootcert .*missing\.pem: ENOENT/,
    );
  });
});

describe('tlsFailureReason', () => {
  const err = (code: string, message: string) => Object.assign(new Error(message), { code });
  const spec = { sslmode: 'verify-full' as const, sslrootcert: '/etc/vigil/ca.pem', host: 'db1' };

  it("tells an untrusted chain with the CA file, without Node's system-store advice", () => {
    const r = tlsFailureReason(
      err(
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'unable to verify the first certificate; if the root CA is installed locally, try running Node.js with --use-system-ca',
      ),
      spec,
    );
    expect(r).toBe(
      'TLS (sslmode=verify-full): the server certificate is not signed by the CA in sslrootcert /etc/vigil/ca.pem: unable to verify the first certificate',
    );
    expect(tlsFailureReason(err('SELF_SIGNED_CERT_IN_CHAIN', 'x'), { ...spec, sslrootcert: undefined })).toMatch(/system CAs \(no sslrootcert given\)/);
  });

  it('tells a name mismatch with the host', () => {
    expect(tlsFailureReason(err('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"), spec)).toMatch(
      /not valid for host db1: Hostname/,
    );
  });

  it('leaves other errors to the caller', () => {
    expect(tlsFailureReason(err('ECONNREFUSED', 'connect ECONNREFUSED'), spec)).toBeUndefined();
    expect(tlsFailureReason(new Error('no code'), spec)).toBeUndefined();
    expect(tlsFailureReason('text', spec)).toBeUndefined();
  });
});
