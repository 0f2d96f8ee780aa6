// pino JSON logs, one event per line, stable field names. Secret-bearing fields are redacted by key
// wherever they appear, as a second line of defence behind never logging them in the first place.
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export const REDACTED_KEYS = ['password', 'passwd', 'token', 'secret', 'authorization', 'dsn', 'connectionString'];

/**
 * Log bytes held in memory while stdout is not being read (a stuck log shipper); beyond this, new
 * lines are dropped instead of growing the daemon's memory.
 */
const MAX_BUFFERED_LOG_BYTES = 16 * 1024 * 1024;

/** The async stdout destination of each logger made here, so that exit can bound its final flush. */
const destinations = new WeakMap<Logger, ReturnType<typeof pino.destination>>();

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const stdout = destination === undefined ? pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES }) : undefined;
  const logger = pino(
    {
      level,
      base: { service: 'vigil' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' },
    },
    destination ?? stdout!,
  );
  if (stdout !== undefined) destinations.set(logger, stdout);
  return logger;
}

/**
 * Flushes buffered log lines, waiting at most `timeoutMs`. When nobody reads stdout, the flush can
 * never finish, and pino's exit hook would then block in a synchronous write forever: the
 * destination is destroyed instead, so the process can exit (those lines are lost, not the exit).
 */
export function flushLogs(logger: Logger, timeoutMs: number): Promise<void> {
  const stdout = destinations.get(logger);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      stdout?.destroy();
      resolve();
    }, timeoutMs);
    logger.flush(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
