import { describe, expect, it } from 'vitest';
import { REDACTED, knownSecrets, redact, redactConfig, redactError, rememberSecret } from './redact.ts';

describe('redact', () => {
  it('removes the password of a URI connection string, keeping user and host', () => {
    expect(redact('connect postgresql://mon:s3cr%40t@db1:5432/app?sslmode=require failed')).toBe(
      `connect postgresql://mon:${REDACTED}@db1:5432/app?sslmode=require failed`,
    );
    expect(redact('postgres://u:p@h/d')).toBe(`postgres://u:${REDACTED}@h/d`);
  });

  it('leaves a URI without a password alone', () => {
    expect(redact('postgresql://mon@db1/app')).toBe('postgresql://mon@db1/app');
  });

  it('removes keyword/value passwords, quoted or not', () => {
    expect(redact('host=db1 password=hunter2 user=mon')).toBe(`host=db1 password=${REDACTED} user=mon`);
    expect(redact("host=db1 password = 'it\\'s a secret' user=mon")).toBe(`host=db1 password = ${REDACTED} user=mon`);
    expect(redact('?sslmode=disable&password=x1&user=u')).toBe(`?sslmode=disable&password=${REDACTED}&user=u`);
  });

  it('removes known secrets wherever they appear, raw and URI-encoded', () => {
    expect(redact('auth failed with p@ss w0rd and p%40ss%20w0rd', ['p@ss w0rd'])).toBe(`auth failed with ${REDACTED} and ${REDACTED}`);
    expect(redact('nothing here', [''])).toBe('nothing here');
  });

  it('redacts error messages', () => {
    expect(redactError(new Error('bad postgresql://a:b@c/d'))).toBe(`bad postgresql://a:${REDACTED}@c/d`);
    expect(redactError('xyz', ['y'])).toBe(`x${REDACTED}z`);
  });

  it('redacts every dsn of a config, deeply, without touching the rest', () => {
    const config = {
      listen: ':1',
      postgres: {
        targets: [
          { name: 'a', dsn: 'postgresql://u:pw@h/d' },
          { name: 'b', host: 'h' },
        ],
      },
    };
    expect(redactConfig(config)).toEqual({
      listen: ':1',
      postgres: {
        targets: [
          { name: 'a', dsn: `postgresql://u:${REDACTED}@h/d` },
          { name: 'b', host: 'h' },
        ],
      },
    });
    expect(config.postgres.targets[0]!.dsn).toBe('postgresql://u:pw@h/d');
  });
});

describe('redactConfig and remembered secrets', () => {
  it('redacts header values, secret-named keys and URL passwords, and keeps file and variable names', () => {
    const out = redactConfig({
      sinks: { otlp: { endpoint: 'http://u:urlpw@h:4318', headers: { 'x-api-key': 'hdr' } } },
      a: { passwordFile: '/run/pw', passwordEnv: 'PW', password: 'p' },
    });
    expect(out).toEqual({
      sinks: { otlp: { endpoint: 'http://u:[redacted]@h:4318', headers: { 'x-api-key': '[redacted]' } } },
      a: { passwordFile: '/run/pw', passwordEnv: 'PW', password: '[redacted]' },
    });
  });

  it('scrubs a remembered secret, and each line of remembered PEM key material', () => {
    rememberSecret('a-remembered-secret\n');
    rememberSecret(Buffer.from('-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49\n-----END PRIVATE KEY-----\n'));
    expect(redact('x a-remembered-secret y MIGHAgEAMBMGByqGSM49AgEGCCqGSM49', knownSecrets())).toBe('x [redacted] y [redacted]');
  });
});
