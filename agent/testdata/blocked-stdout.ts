// A process whose stdout nobody reads: logs far more than a pipe holds, then exits the way the
// agent does on SIGTERM. argv[2] = "bounded" uses flushLogs (argv[3]: its timeout in ms, default 300);
// "unbounded" waits for pino's flush.
import { createLogger, flushLogs } from '../logger.ts';

const logger = createLogger('info');
const line = 'x'.repeat(1000);
for (let i = 0; i < 2000; i++) logger.info({ i, line }, 'filler');
setTimeout(() => {
  logger.info('last line');
  if (process.argv[2] === 'bounded') void flushLogs(logger, Number(process.argv[3] ?? 300)).then(() => process.exit(0));
  else logger.flush(() => process.exit(0));
}, 200);
