// pino JSON logs, one event per line, stable field names. Secret-bearing fields are redacted by key
// wherever they appear, as a second line of defence behind never logging them in the first place.
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { REDACTED, knownSecrets, redact } from '../core/redact.ts';

/** pino's levels, as `logLevel` and `--log-level` accept them. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const REDACTED_KEYS = ['password', 'passwd', 'token', 'secret', 'authorization', 'dsn', 'connectionString'];

/**
 * Log bytes held in memory while stdout is not being read (a stuck log shipper); beyond this, new
 * lines are dropped instead of growing the daemon's memory.
 */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;

/** The async stdout destination of each logger made here, so that exit can bound its final flush. */
const destinations = new WeakMap<Logger, ReturnType<typeof pino.destination>>();

/** Keeps the handle that made stdout non-blocking alive (its collection would close fd 1). */
let stdoutHandle: Socket | undefined;

/**
 * pino writes stdout through the libuv thread pool. On a blocking pipe that nobody reads, such a
 * write blocks its thread forever, and Node cannot exit while a pool thread is stuck. Opening the
 * pipe as a libuv stream switches it to non-blocking mode: writes then fail with EAGAIN and are
 * retried on a timer, and exit is never held up.
 */
function makeStdoutNonBlocking(): void {
  if (stdoutHandle !== undefined) return;
  try {
    const st = fstatSync(1);
    if (!st.isFIFO() && !st.isSocket()) return;
    stdoutHandle = new Socket({ fd: 1, readable: false, writable: true });
    stdoutHandle.unref();
  } catch {
    // Not a pipe we can open: keep the default behaviour.
  }
}

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  if (destination === undefined) makeStdoutNonBlocking();
  const stdout = destination === undefined ? pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES }) : undefined;
  const logger = pino(
    {
      level,
      base: { service: 'vigil' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]), censor: REDACTED },
      // The last line of defence: every written line loses URL and keyword passwords and every secret
      // the agent has read (core/redact.ts rememberSecret), whatever field or message carries it.
      hooks: { streamWrite: (line: string) => redact(line, knownSecrets()) },
    },
    destination ?? stdout!,
  );
  if (stdout !== undefined) destinations.set(logger, stdout);
  return logger;
}

/** sonic-boom's own bookkeeping: bytes not yet written, and whether a write is in flight. */
interface SonicBoomState {
  readonly _len: number;
  readonly _writing: boolean;
  readonly destroyed: boolean;
}

/**
 * Waits until every buffered log line is written, at most `timeoutMs`. (sonic-boom's flush callback
 * does not wait for writes in flight, so the buffer itself is watched.) When nobody reads stdout the
 * buffer never drains, and pino's exit hook would then spin in a synchronous write forever: the
 * destination is destroyed instead, which that hook skips, so the process exits (the unwritten lines
 * are lost, not the exit).
 */
export function flushLogs(logger: Logger, timeoutMs: number): Promise<void> {
  const stdout = destinations.get(logger);
  if (stdout === undefined) return new Promise((resolve) => logger.flush(() => resolve()));
  const state = stdout as unknown as SonicBoomState;
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = () => {
      if (state.destroyed || (state._len === 0 && !state._writing)) return resolve();
      if (Date.now() >= deadline) {
        stdout.destroy();
        return resolve();
      }
      setTimeout(check, 5);
    };
    check();
  });
}
