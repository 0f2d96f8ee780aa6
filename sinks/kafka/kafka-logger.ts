// kafkajs logs through its own logger; this routes it into the agent's pino logger. kafkajs reports
// every failed connection attempt as an ERROR: for an agent that rides out broker outages that is a
// warning (the sink logs the outage itself, once, with its error code). Only known fields are copied,
// so nothing kafkajs attaches (request payloads, SASL state) can reach the logs.
import type { Logger } from 'pino';
import { logLevel, type logCreator } from 'kafkajs';

const FIELDS = ['broker', 'clientId', 'groupId', 'topic', 'error', 'retryCount', 'retryTime', 'stack'] as const;

/** kafkajs' level for a pino logger: only what will be written is produced. */
export function kafkaLogLevel(logger: Logger): logLevel {
  if (logger.isLevelEnabled('trace')) return logLevel.DEBUG;
  if (logger.isLevelEnabled('debug')) return logLevel.INFO;
  return logLevel.WARN;
}

export function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const fields: Record<string, unknown> = { kafkajs: namespace };
      for (const f of FIELDS) if (log[f] !== undefined && f !== 'stack') fields[f] = log[f];
      const msg = String(log.message);
      switch (level) {
        case logLevel.ERROR:
        case logLevel.WARN:
          // A limited retry count is our choice (our own loop retries on top); not worth a warning.
          if (msg.startsWith('Limiting retries for the idempotent producer')) logger.debug(fields, msg);
          else logger.warn(fields, msg);
          break;
        case logLevel.INFO:
          logger.debug(fields, msg);
          break;
        default:
          logger.trace(fields, msg);
      }
    };
}
