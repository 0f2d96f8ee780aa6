// Runs ticks at a fixed interval, never overlapping: a tick still running when the next is due
// makes that next one count as an overrun and be skipped, not queued.
import { withTimeout } from '../core/with-timeout.ts';

export class TickScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  overruns = 0;
  private intervalMs: number;
  private readonly tick: () => Promise<void>;
  private readonly onOverrun: () => void;
  private readonly onTickError: (err: unknown) => void;

  constructor(intervalMs: number, tick: () => Promise<void>, onOverrun: () => void = () => {}, onTickError: (err: unknown) => void = () => {}) {
    this.intervalMs = intervalMs;
    this.tick = tick;
    this.onOverrun = onOverrun;
    this.onTickError = onTickError;
  }

  /** Runs the first tick now, then one per interval. */
  start(): void {
    this.fire();
    this.timer = setInterval(() => this.fire(), this.intervalMs);
  }

  private fire(): void {
    if (this.running !== undefined) {
      this.overruns++;
      this.onOverrun();
      return;
    }
    // A tick is written never to throw; should one ever, it must not become an unhandled rejection.
    this.running = this.tick()
      .catch((err: unknown) => this.onTickError(err))
      .finally(() => (this.running = undefined));
  }

  /** A new interval (a reload): the next tick is due one new interval from now. */
  setInterval(intervalMs: number): void {
    this.intervalMs = intervalMs;
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = setInterval(() => this.fire(), this.intervalMs);
  }

  /** Stops scheduling and waits for a tick in flight, at most `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.running === undefined) return;
    await withTimeout(this.running, graceMs);
  }
}
