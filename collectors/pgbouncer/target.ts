// One PgBouncer admin console per tick: the SHOW commands on the one kept connection (queued, one
// query each: the admin console takes one command per query), their samples, and the health series.
// Never throws: a refused user, a dead or hung PgBouncer is pgbouncer_up 0, a counted error and one
// coded log line per change to down; a SHOW answer without columns Vigil reads (another version)
// yields the series it can and one coded log line per new set of missing columns.
import type { Logger } from 'pino';
import { ErrorCode } from '../../core/errors.ts';
import { logFailure } from '../../core/log-failure.ts';
import { type Labels, type Sample, counter, gauge } from '../../core/samples.ts';
import { durationMs } from '../../core/duration.ts';
import { TargetConnection, TargetError } from '../pgreplication/connection.ts';
import { M } from './metrics.ts';
import type { PgBouncerTarget } from './options.ts';
import { COMMANDS, LIVE_COMMANDS, type Row, type ShowResults, pgbouncerSamples } from './parse.ts';

type State = 'unknown' | 'up' | 'down';

/** SHOW CONFIG and SHOW VERSION every this many ticks (5 minutes at the default 10 s interval). */
export const CONFIG_EVERY = 30;

export class PgBouncerTargetCollector {
  readonly name: string;
  private readonly connection: TargetConnection;
  private readonly logger: Logger;
  private readonly base: Labels;
  private state: State = 'unknown';
  private errors = 0;
  private lastMissing = '';
  private ticks = 0;
  private settings: Pick<ShowResults, 'config' | 'version'> | undefined;

  constructor(target: PgBouncerTarget, logger: Logger, now: () => number) {
    this.name = target.name;
    this.base = Object.freeze({ target: target.name });
    this.connection = new TargetConnection(
      {
        host: target.host,
        port: target.port,
        database: 'pgbouncer',
        user: target.user,
        sslmode: target.sslmode,
        ...(target.sslrootcert !== undefined ? { sslrootcert: target.sslrootcert } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.passwordFile !== undefined ? { passwordFile: target.passwordFile } : {}),
        timeoutMs: durationMs(target.timeout),
        pgbouncer: true,
      },
      now,
    );
    this.logger = logger.child({ target: target.name, host: target.host, port: target.port, user: target.user });
  }

  get secrets(): ReadonlySet<string> {
    return this.connection.secrets;
  }

  get connected(): boolean {
    return this.connection.connected;
  }

  /** Returns how many columns Vigil reads were missing from the answers (0 normally). */
  async collect(out: Sample[]): Promise<number> {
    const t0 = performance.now();
    let up = 0;
    let missing = 0;
    try {
      // Settings change only on RELOAD: read them on (re)connect and every CONFIG_EVERY ticks, which
      // saves two of six round trips on most ticks.
      const full = this.settings === undefined || !this.connection.connected || this.ticks % CONFIG_EVERY === 0;
      this.ticks++;
      const results = await this.connection.run(full ? COMMANDS : LIVE_COMMANDS);
      const at = (i: number) => ({ fields: results[i]?.fields.map((f) => f.name) ?? [], rows: (results[i]?.rows ?? []) as Row[] });
      if (full) this.settings = { config: at(4), version: at(5) };
      const show: ShowResults = { pools: at(0), stats: at(1), databases: at(2), lists: at(3), ...this.settings! };
      const res = pgbouncerSamples(show, this.name, this.base, out);
      missing = res.missing.length;
      const key = res.missing.join(',');
      if (key !== this.lastMissing) {
        this.lastMissing = key;
        if (key !== '')
          logFailure(
            this.logger,
            'warn',
            ErrorCode.PGBOUNCER_COLUMNS_MISSING,
            undefined,
            'PgBouncer answered without columns Vigil reads; those series are left out',
            { missing: res.missing },
          );
      }
      up = 1;
      this.transition('up');
    } catch (err) {
      const e = err instanceof TargetError ? err : new TargetError('unexpected failure');
      if (!e.skipped) this.errors++;
      this.transition('down', e.message, e.code);
    }
    out.push(gauge(M.up, this.base, up));
    out.push(counter(M.scrapeErrors, this.base, this.errors));
    out.push(gauge(M.scrapeDuration, this.base, (performance.now() - t0) / 1000));
    return missing;
  }

  close(): Promise<void> {
    return this.connection.close();
  }

  private transition(next: 'up' | 'down', reason?: string, code: ErrorCode = ErrorCode.PGBOUNCER_TARGET_DOWN): void {
    if (next === this.state) return;
    const prev = this.state;
    this.state = next;
    if (next === 'down') logFailure(this.logger, 'warn', code, reason, 'PgBouncer target down');
    else if (prev === 'down') this.logger.info('PgBouncer target up again');
    else this.logger.info('PgBouncer target up');
  }
}
