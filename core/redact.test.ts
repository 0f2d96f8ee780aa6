import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactConfig, redactError } from './redact.ts';

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
    expect(redact("host=db1 password=hunter2 user=mon")).toBe(`host=db1 password=${REDACTED} user=mon`);
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
    const config = { listen: ':1', postgres: { targets: [{ name: 'a', dsn: 'postgresql://u:pw@h/d' }, { name: 'b', host: 'h' }] } };
    expect(redactConfig(config)).toEqual({ listen: ':1', postgres: { targets: [{ name: 'a', dsn: `postgresql://u:${REDACTED}@h/d` }, { name: 'b', host: 'h' }] } });
    expect(config.postgres.targets[0]!.dsn).toBe('postgresql://u:pw@h/d');
  });
});
