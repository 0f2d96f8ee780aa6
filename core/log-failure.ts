// The one way a failure is logged: always with a code from the catalogue (so that alerts, tests
// and people can match it), the error's message (never its stack or its object, which may hold a
// connection string), and the fields that say where.
import type { Logger } from 'pino';
import type { ErrorCode } from './errors.ts';

export type FailureLevel = 'error' | 'warn';

/** The message of anything thrown (an Error's message, else its text). */
const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function logFailure(
  logger: Logger,
  level: FailureLevel,
  code: ErrorCode,
  err: unknown,
  msg: string,
  fields: Readonly<Record<string, unknown>> = {},
): void {
  logger[level]({ code, ...fields, ...(err === undefined ? {} : { err: errorMessage(err) }) }, msg);
}
