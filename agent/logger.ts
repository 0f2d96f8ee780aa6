// pino JSON logs, one event per line, stable field names. Secret-bearing fields are redacted by key
// wherever they appear, as a second line of defence behind never logging them in the first place.
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';

export const REDACTED_KEYS = ['password', 'passwd', 'token', 'secret', 'authorization', 'dsn', 'connectionString'];

export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'vigil' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_KEYS.flatMap((k) => [k, `*.${k}`]), censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
