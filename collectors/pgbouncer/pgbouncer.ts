// PgBouncer pools, stats, databases and limits, read from each configured admin console. Configured
// under the top-level `pgbouncer:` key (a list of targets); with no targets the agent does not create it.
import type { Collector, CollectorFactory } from '../collector.ts';
import type { Context } from '../../core/component.ts';
import { PGBOUNCER_METRICS } from './metrics.ts';
import { type PgBouncerOptions, pgbouncerOptions } from './options.ts';
import type { PgBouncerTargetCollector } from './target.ts';
import { checkTargets } from '../target-list.ts';

export interface PgBouncerCollector extends Collector {
  readonly targets: readonly PgBouncerTargetCollector[];
  close(): Promise<void>;
}

/** pg is imported here, only when targets are configured (docs/footprint.md). */
async function createPgBouncerCollector(opts: PgBouncerOptions, ctx: Context): Promise<PgBouncerCollector> {
  const { PgBouncerTargetCollector } = await import('./target.ts');
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
