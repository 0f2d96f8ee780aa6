// The connection's pacing and deadlines, against sockets that misbehave on purpose (a closed port,
// a server that accepts and never answers). Real PostgreSQL is exercised in test/e2e.
import { type Server, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/peers/child.ts';
import { BACKOFF_INITIAL_MS, type ConnectionSpec, TargetConnection, TargetError } from './connection.ts';

const spec = (port: number, over: Partial<ConnectionSpec> = {}): ConnectionSpec => ({
  host: '127.0.0.1',
  port,
  database: 'postgres',
  user: 'mon',
  sslmode: 'disable',
  password: 'Sup3r-secret',
  timeoutMs: 300,
  ...over,
});

let silent: Server;
let silentPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((s) => sockets.push(s)); // accepts, reads, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

async function failure(p: Promise<unknown>): Promise<TargetError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(TargetError);
    return err as TargetError;
  }
  throw new Error('expected a failure');
}

describe('TargetConnection', () => {
  it('retries a refused target at most once per backoff period', async () => {
    let now = 1_000_000;
    const conn = new TargetConnection(spec(await freePort()), () => now);
    const first = await failure(conn.run('SELECT 1'));
    expect(first.skipped).toBe(false);
    expect(first.message).toMatch(/ECONNREFUSED/);
    const waiting = await failure(conn.run('SELECT 1'));
    expect(waiting.skipped).toBe(true);
    now += BACKOFF_INITIAL_MS;
    expect((await failure(conn.run('SELECT 1'))).skipped).toBe(false);
    now += BACKOFF_INITIAL_MS; // the second failure doubled the wait
    expect((await failure(conn.run('SELECT 1'))).skipped).toBe(true);
    now += BACKOFF_INITIAL_MS;
    expect((await failure(conn.run('SELECT 1'))).skipped).toBe(false);
  });

  it('gives up on a server that never answers within its timeout', async () => {
    const conn = new TargetConnection(spec(silentPort), Date.now);
    const t0 = performance.now();
    const err = await failure(conn.run('SELECT 1'));
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1000);
    expect(err.skipped).toBe(false);
    expect(err.message).not.toContain('Sup3r-secret');
    await conn.close();
  });

  it('redacts known secrets from error text', async () => {
    const conn = new TargetConnection(spec(await freePort(), { host: 'Sup3r-secret.invalid' }), Date.now);
    const err = await failure(conn.run('SELECT 1'));
    expect(err.message).not.toContain('Sup3r-secret');
    expect(err.message).toContain('[redacted]');
  });
});
