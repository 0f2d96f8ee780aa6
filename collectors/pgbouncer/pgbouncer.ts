// PgBouncer pools, stats, databases and limits, read from each configured admin console. Configured
// under the top-level `pgbouncer:` key (a list of targets); with no targets the agent does not create it.
import type { Collector, CollectorFactory } from '../collector.ts';
import type { CheckContext, Context } from '../../core/component.ts';
import { ErrorCode, type UserError } from '../../core/errors.ts';
import { durationMs } from '../../core/duration.ts';
import { PGBOUNCER_METRICS } from './metrics.ts';
import { type PgBouncerOptions, pgbouncerOptions } from './options.ts';
import { PgBouncerTargetCollector } from './target.ts';

export interface PgBouncerCollector extends Collector {
  readonly targets: readonly PgBouncerTargetCollector[];
  close(): Promise<void>;
}

function createPgBouncerCollector(opts: PgBouncerOptions, ctx: Context): PgBouncerCollector {
  const targets = opts.targets.map((t) => new PgBouncerTargetCollector(t, ctx.logger, ctx.now));
  const close = async () => {
    await Promise.all(targets.map((t) => t.close()));
  };
  ctx.signal.addEventListener('abort', () => void close(), { once: true });
  return {
    targets,
    close,
    async collect(out) {
      const missing = await Promise.all(targets.map((t) => t.collect(out)));
      return missing.reduce((a, b) => a + b, 0);
    },
  };
}

export const pgbouncerCollector = {
  name: 'pgbouncer',
  defaultEnabled: false,
  configKey: 'pgbouncer',
  isConfigured: (opts) => opts.targets.length > 0,
  options: pgbouncerOptions,
  metrics: PGBOUNCER_METRICS,
  check: checkTargets,
  create: (opts, ctx) => createPgBouncerCollector(opts, ctx),
} satisfies CollectorFactory<PgBouncerOptions>;

function checkTargets(opts: PgBouncerOptions, ctx: CheckContext): UserError[] {
  const errors: UserError[] = [];
  opts.targets.forEach((t, i) => {
    const at = `targets[${i}]`;
    if (t.passwordEnv !== undefined && ctx.env[t.passwordEnv] === undefined) {
      errors.push({ code: ErrorCode.CONFIG_INVALID, where: `${at}.passwordEnv`, message: `environment variable ${t.passwordEnv} is not set` });
    }
    if (durationMs(t.timeout) >= durationMs(ctx.collectorTimeout)) {
      errors.push({ code: ErrorCode.CONFIG_INVALID, where: `${at}.timeout`, message: `"${t.timeout}" must be shorter than collectorTimeout (${ctx.collectorTimeout})` });
    }
  });
  return errors;
}
