import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from './errors.ts';
import { logFailure } from './log-failure.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('logFailure', () => {
  it('logs the code, the fields and the error message only', () => {
    const { logger, lines } = capture();
    const err = Object.assign(new Error('connection refused'), { config: { password: 'hunter2' } });
    logFailure(logger, 'warn', ErrorCode.KAFKA_DELIVERY, err, 'kafka delivery failing', { buffered: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, code: 'VIGIL_ERR_KAFKA_DELIVERY', buffered: 3, err: 'connection refused', msg: 'kafka delivery failing' });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });

  it('takes a thrown non-Error as text, and no error at all', () => {
    const { logger, lines } = capture();
    logFailure(logger, 'error', ErrorCode.TICK_FAILED, 'plain text', 'tick failed');
    logFailure(logger, 'error', ErrorCode.TICK_FAILED, undefined, 'tick failed');
    expect(lines[0]).toMatchObject({ level: 50, code: 'VIGIL_ERR_TICK_FAILED', err: 'plain text' });
    expect(lines[1]).not.toHaveProperty('err');
  });
});
