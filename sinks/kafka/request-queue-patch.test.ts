// The kafkajs patch (patches/kafkajs+2.2.4.patch, docs/kafka.md): a broker connection's request queue
// arms no timer while nothing is pending or in flight, and request timeouts still fire. Fails when the
// patch is not applied (kafkajs as released re-arms a 1 ms timer forever and checks timeouts every
// 100 ms); test/e2e/idle.test.ts measures the same on a real broker.
import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

interface Entry {
  apiKey: number;
  apiName: string;
  apiVersion: number;
  correlationId: number;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}
interface RequestQueue {
  scheduleRequestTimeoutCheck(): void;
  push(r: { entry: Entry; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(r: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}
type RequestQueueClass = new (o: Record<string, unknown>) => RequestQueue;

const RequestQueueImpl = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(requestTimeout = 1000): RequestQueue {
  const q = new RequestQueueImpl({ maxInFlightRequests: 1, requestTimeout, enforceRequestTimeout: true, clientId: 't', broker: 'b:9092', logger: quiet });
  q.scheduleRequestTimeoutCheck(); // what a connection does once connected
  return q;
}

function request(q: RequestQueue, correlationId: number): { sent: () => boolean; settled: Promise<unknown> } {
  let sent = false;
  const settled = new Promise((resolve, reject) => {
    q.push({ entry: { apiKey: 0, apiName: 'Produce', apiVersion: 7, correlationId, resolve, reject }, expectResponse: true, sendRequest: () => (sent = true) });
  });
  settled.catch(() => undefined);
  return { sent: () => sent, settled };
}

describe('kafkajs request queue (patched): idle means no timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a connected queue with nothing in flight arms no timer, before and after a request', async () => {
    const q = queue();
    expect(vi.getTimerCount()).toBe(0);
    const r = request(q, 1);
    expect(r.sent()).toBe(true);
    expect(vi.getTimerCount()).toBe(1); // the request-timeout check, while the request is in flight
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    await r.settled;
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('still times out a request that gets no response', async () => {
    const q = queue(300);
    const r = request(q, 1);
    await vi.advanceTimersByTimeAsync(500);
    await expect(r.settled).rejects.toThrow(/timed out/i);
    await vi.advanceTimersByTimeAsync(500);
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('still sends what the in-flight limit or a throttle held back, then stops checking', async () => {
    const q = queue();
    const first = request(q, 1);
    const second = request(q, 2); // maxInFlightRequests 1: pending
    expect(second.sent()).toBe(false);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    await first.settled;
    expect(second.sent()).toBe(true);
    q.fulfillRequest({ correlationId: 2, payload: Buffer.alloc(0), size: 0 });
    await second.settled;

    q.maybeThrottle(200);
    const throttled = request(q, 3);
    expect(throttled.sent()).toBe(false);
    await vi.advanceTimersByTimeAsync(250);
    expect(throttled.sent()).toBe(true);
    q.fulfillRequest({ correlationId: 3, payload: Buffer.alloc(0), size: 0 });
    await throttled.settled;
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(0);
    q.destroy();
  });
});
