// PostgreSQL replication, seen from each configured target: role, replica view, primary view and
// health. Configured under the top-level `postgres:` key (a list of targets, not an on/off switch);
// with no targets the agent does not create it at all.
import type { Collector, CollectorFactory } from '../collector.ts';
import { PG_METRICS } from './metrics.ts';
import { type PostgresOptions, postgresOptions } from './options.ts';
import type { TargetCollector } from './target.ts';
import type { Context } from '../../core/component.ts';
import { checkTargets } from '../target-list.ts';

export interface PgReplicationCollector extends Collector {
  readonly targets: readonly TargetCollector[];
  /** Closes every target's connection (also done when ctx.signal aborts). */
  close(): Promise<void>;
}

/** pg is imported here, only when targets are configured (docs/footprint.md). */
async function createPgReplicationCollector(opts: PostgresOptions, ctx: Context): Promise<PgReplicationCollector> {
  const { TargetCollector } = await import('./target.ts');
  const targets = opts.targets.map((t) => new TargetCollector(t, ctx.logger, ctx.now));
  const close = async () => {
    await Promise.all(targets.map((t) => t.close()));
  };
  // Collectors have no stop(); the agent aborts the context's signal when it stops.
  ctx.signal.addEventListener('abort', () => void close(), { once: true });
  return {
    targets,
    close,
    async collect(out) {
      // Targets in parallel, each bounded by its own timeout; none of them throws.
      await Promise.all(targets.map((t) => t.collect(out)));
      return 0;
    },
  };
}

export const pgreplicationCollector = {
  name: 'pgreplication',
  defaultEnabled: false,
  configKey: 'postgres',
  isConfigured: (opts) => opts.targets.length > 0,
  options: postgresOptions,
  metrics: PG_METRICS,
  check: checkTargets,
  create: (opts, ctx) => createPgReplicationCollector(opts, ctx),
} satisfies CollectorFactory<PostgresOptions>;
