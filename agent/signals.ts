// Signal handling of `vigil run`, installed when this module is imported — before the rest of the
// agent has even loaded — so that no signal kills the agent without a clean stop:
// - SIGTERM / SIGINT: stop (state first, bounded), exit 0; one that arrives during start-up is kept
//   and acted on as soon as the agent is up.
// - SIGHUP: reloads the config and rule files (Agent.reload: storm-safe); one before the agent is up is
//   ignored (the start reads the files anyway), never fatal.
// - SIGUSR1 / SIGUSR2: ignored (with --disable-sigusr1, SIGUSR1 never opens the inspector).
// Other commands (detect, eval, train, check-*) keep Node's defaults: Ctrl-C ends them.
import type { Logger } from 'pino';

class RunSignals {
  private stopSignal: string | undefined;
  private onStop: ((signal: string) => void) | undefined;
  private logger: Logger | undefined;
  private onReload: (() => void) | undefined;

  install(): void {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => this.stop(sig));
    process.on('SIGHUP', () => {
      this.logger?.info({ signal: 'SIGHUP' }, 'reload asked');
      if (this.onReload !== undefined) this.onReload();
      else this.logger?.info({ signal: 'SIGHUP' }, 'reload asked before the agent is up; the start reads the configuration anyway');
    });
    for (const sig of ['SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => this.logger?.warn({ signal: sig }, 'signal ignored'));
  }

  /** The signal that asked to stop, if one came. */
  get stopRequested(): string | undefined {
    return this.stopSignal;
  }

  /** Where ignored signals are logged, once there is a logger. */
  useLogger(logger: Logger): void {
    this.logger = logger;
  }

  /** Calls `fn` on every SIGHUP from now on. */
  whenReloadAsked(fn: () => void): void {
    this.onReload = fn;
  }

  /** Calls `fn` on the first stop signal: at once if it already came. */
  whenStopped(fn: (signal: string) => void): void {
    this.onStop = fn;
    if (this.stopSignal !== undefined) fn(this.stopSignal);
  }

  private stop(signal: string): void {
    if (this.stopSignal !== undefined) return;
    this.stopSignal = signal;
    this.onStop?.(signal);
  }
}

export const runSignals = new RunSignals();
if (process.argv[2] === 'run') runSignals.install();
