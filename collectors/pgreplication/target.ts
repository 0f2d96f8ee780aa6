// One target per tick: a single round trip (role + replica view + primary view), its samples, and the
// health series. Never throws: a down target is pg_up 0, a counted error, and one log line per state
// change (down → up, up → down, role flips), not one per tick.
import type { Logger } from 'pino';
import { ErrorCode } from '../../core/errors.ts';
import { type Sample, counter, gauge } from '../../core/samples.ts';
import { TargetConnection, TargetError, connectionSpec } from './connection.ts';
import { M } from './metrics.ts';
import type { PostgresTarget } from './options.ts';
import { LabelCache, SLOTS_SQL, STANDBYS_SQL, type SlotRow, type StandbyRow, primarySamples } from './primary.ts';
import { ROLE_AND_REPLICA_SQL, type ReplicaMemory, type RoleRow, replicaSamples } from './replica.ts';
import { logFailure } from '../../core/log-failure.ts';
import { durationMs } from '../../core/duration.ts';
import { ARCHIVE_SQL, type ArchiveRow, archiveSamples } from './archive.ts';

/** The three statements of a tick, sent together (simple query protocol, one round trip). */
const TICK_SQL = `${ROLE_AND_REPLICA_SQL};\n${STANDBYS_SQL};\n${SLOTS_SQL};\n${ARCHIVE_SQL}`;

type State = 'unknown' | 'up' | 'down';

export class TargetCollector {
  readonly name: string;
  private readonly expected: number | undefined;
  private readonly rpoSeconds: number;
  private readonly connection: TargetConnection;
  private readonly logger: Logger;
  private readonly labels: LabelCache;
  private readonly memory: ReplicaMemory = {};
  private state: State = 'unknown';
  private role: 'primary' | 'replica' | undefined;
  private errors = 0;
  private roleChanges = 0;

  constructor(target: PostgresTarget, logger: Logger, now: () => number) {
    this.name = target.name;
    this.expected = target.expectedReplicas;
    this.rpoSeconds = durationMs(target.rpo) / 1000;
    const spec = connectionSpec(target);
    this.connection = new TargetConnection(spec, now);
    // Where, never how: host, port, database and user are not secret; the DSN and password are.
    this.logger = logger.child({ target: target.name, host: spec.host, port: spec.port, database: spec.database, user: spec.user });
    this.labels = new LabelCache(target.name);
  }

  /** Secrets of this target's connection (for tests that assert they never leak). */
  get secrets(): ReadonlySet<string> {
    return this.connection.secrets;
  }

  async collect(out: Sample[]): Promise<void> {
    const t0 = performance.now();
    const base = this.labels.base;
    let up = 0;
    try {
      const results = await this.connection.run(TICK_SQL);
      const [role, standbys, slots, archive] = results;
      const row = role?.rows[0] as RoleRow | undefined;
      if (row === undefined) throw new TargetError('role query returned no row');
      replicaSamples(row, base, this.memory, out);
      // The primary view only on a primary: a standby has no standbys of its own to count here.
      if (!row.in_recovery) {
        const duplicates = primarySamples((standbys?.rows ?? []) as StandbyRow[], (slots?.rows ?? []) as SlotRow[], this.labels, this.expected, out);
        if (duplicates > 0) this.logger.debug({ duplicates }, 'standbys with identical labels skipped');
      }
      const archiveRow = archive?.rows[0] as ArchiveRow | undefined;
      if (archiveRow !== undefined) archiveSamples(archiveRow, row.in_recovery, this.rpoSeconds, base, out);
      this.noteRole(row.in_recovery ? 'replica' : 'primary', archiveRow?.timeline ?? undefined);
      up = 1;
      this.transition('up');
    } catch (err) {
      const e = err instanceof TargetError ? err : new TargetError('unexpected failure');
      if (!e.skipped) this.errors++;
      this.transition('down', e.message, e.code);
    }
    out.push(gauge(M.up, base, up));
    out.push(counter(M.scrapeErrors, base, this.errors));
    out.push(counter(M.roleChanges, base, this.roleChanges));
    out.push(gauge(M.scrapeDuration, base, (performance.now() - t0) / 1000));
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private transition(next: 'up' | 'down', reason?: string, code: ErrorCode = ErrorCode.PG_TARGET_DOWN): void {
    if (next === this.state) return;
    const prev = this.state;
    this.state = next;
    if (next === 'down') logFailure(this.logger, 'warn', code, reason, 'PostgreSQL target down');
    else if (prev === 'down') this.logger.info('PostgreSQL target up again');
    else this.logger.info({ role: this.role }, 'PostgreSQL target up');
  }

  /** A promotion or demotion: counted and logged once (the role is remembered across down periods). */
  private noteRole(role: 'primary' | 'replica', timeline: number | undefined): void {
    if (this.role !== undefined && this.role !== role) {
      this.roleChanges++;
      this.logger.warn({ from: this.role, to: role, timeline, change: role === 'primary' ? 'promotion' : 'demotion' }, 'PostgreSQL target changed role');
    }
    this.role = role;
  }
}
