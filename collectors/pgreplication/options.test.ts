// The `postgres:` config section through the real loader: defaults, and every error at its key path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../agent/config.ts';
import { ErrorCode } from '../../core/errors.ts';
import { connectionSpec } from './connection.ts';
import { parseDsn } from './dsn.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-pgopts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
async function load(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const file = path.join(dir, `c${n++}.yml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, env });
}
async function errorsOf(yaml: string, env: NodeJS.ProcessEnv = {}) {
  const r = await load(yaml, env);
  if (r.ok) throw new Error('expected errors');
  for (const e of r.errors) expect(e.code).toBe(ErrorCode.CONFIG_INVALID);
  return r.errors.map((e) => e.where).sort();
}

describe('postgres config', () => {
  it('defaults to no targets', async () => {
    const r = await load('{}');
    expect(r.ok && r.config.postgres).toEqual({ targets: [] });
  });

  it('fills connection defaults for a target without a dsn', async () => {
    const r = await load('postgres:\n  targets:\n    - name: main\n      passwordFile: /run/secrets/pg\n      expectedReplicas: 2\n');
    expect(r.ok && r.config.postgres.targets).toEqual([
      {
        name: 'main',
        host: 'localhost',
        port: 5432,
        database: 'postgres',
        user: 'postgres',
        sslmode: 'prefer',
        passwordFile: '/run/secrets/pg',
        expectedReplicas: 2,
        timeout: '2s',
        rpo: '15m',
      },
    ]);
  });

  it('reports every bad key with its dotted path', async () => {
    const yaml = `postgres:
  targets:
    - name: a
      port: 70000
      sslmode: sometimes
      timeout: soon
      expectedReplicas: -1
      colour: blue
    - name: a
      passwordFile: /f
      passwordEnv: PW
    - host: db
  extra: 1
`;
    expect(await errorsOf(yaml, { PW: 'x' })).toEqual(
      [
        'postgres.extra',
        'postgres.targets[0].colour',
        'postgres.targets[0].expectedReplicas',
        'postgres.targets[0].port',
        'postgres.targets[0].sslmode',
        'postgres.targets[0].timeout',
        'postgres.targets[1].passwordEnv',
        'postgres.targets[2].name',
      ].sort(),
    );
  });

  it('rejects duplicate target names at the second one', async () => {
    expect(await errorsOf('postgres:\n  targets:\n    - name: a\n    - name: b\n    - name: a\n')).toEqual(['postgres.targets[2].name']);
  });

  it('rejects a dsn together with the keys it already says, and a dsn that does not parse, without echoing it', async () => {
    const r = await load(
      'postgres:\n  targets:\n    - name: a\n      dsn: "postgresql://u:topsecret@h:99999/d"\n    - name: b\n      dsn: "postgresql://u@h/d"\n      host: other\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => e.where).sort()).toEqual(['postgres.targets[0].dsn', 'postgres.targets[1].host']);
    expect(JSON.stringify(r.errors)).not.toContain('topsecret');
  });

  it('requires the passwordEnv variable to be set, and a target timeout below collectorTimeout', async () => {
    expect(await errorsOf('postgres:\n  targets:\n    - name: a\n      passwordEnv: PG_PW\n      timeout: 5s\n')).toEqual([
      'postgres.targets[0].passwordEnv',
      'postgres.targets[0].timeout',
    ]);
    const ok = await load('postgres:\n  targets:\n    - name: a\n      passwordEnv: PG_PW\n', { PG_PW: 'x' });
    expect(ok.ok).toBe(true);
  });
});

describe('DSN', () => {
  it('parses both libpq forms', () => {
    expect(parseDsn('postgresql://mon:p%40ss@db1:6432/app?sslmode=verify-full&sslrootcert=/ca.pem&application_name=x')).toEqual({
      ok: true,
      parts: { host: 'db1', port: 6432, database: 'app', user: 'mon', password: 'p@ss', sslmode: 'verify-full', sslrootcert: '/ca.pem' },
    });
    expect(parseDsn("host=db1 port=6432 dbname=app user=mon password='a b\\'c' sslmode=disable")).toEqual({
      ok: true,
      parts: { host: 'db1', port: 6432, database: 'app', user: 'mon', password: "a b'c", sslmode: 'disable' },
    });
    expect(parseDsn('postgres://[::1]:5433/x')).toEqual({ ok: true, parts: { host: '::1', port: 5433, database: 'x' } });
  });

  it('rejects what it cannot use', () => {
    expect(parseDsn('mysql://u:p@h/d').ok).toBe(false);
    expect(parseDsn('host=db1 sslmode=sometimes').ok).toBe(false);
    expect(parseDsn('host=db1 krbsrvname=x').ok).toBe(false);
    expect(parseDsn('just words').ok).toBe(false);
    expect(parseDsn('').ok).toBe(false);
  });

  it('merges a dsn with an env or file password: explicit ones win', () => {
    const base = { name: 't', timeout: '2s', rpo: '15m', dsn: 'postgresql://mon:fromdsn@db1/app' };
    expect(connectionSpec(base)).toMatchObject({
      host: 'db1',
      port: 5432,
      database: 'app',
      user: 'mon',
      password: 'fromdsn',
      sslmode: 'prefer',
      timeoutMs: 2000,
    });
    expect(connectionSpec({ ...base, password: 'fromenv' }).password).toBe('fromenv');
  });
});
