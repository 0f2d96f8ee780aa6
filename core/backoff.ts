// Reconnect pacing for a dead target: after the n-th failure in a row the next attempt waits
// initial·2^(n-1), capped. Pure: the caller passes the clock, so tests step it by hand.
export class Backoff {
  private failures = 0;
  private notBefore = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;

  constructor(initialMs: number, maxMs: number) {
    this.initialMs = initialMs;
    this.maxMs = maxMs;
  }

  /** Whether an attempt may be made at `now` (ms). */
  ready(now: number): boolean {
    return now >= this.notBefore;
  }

  /** Failures in a row since the last success. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** The delay that the last failure imposed (0 when healthy). */
  get currentDelayMs(): number {
    return this.failures === 0 ? 0 : Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.failures - 1, 30));
  }

  /** Records a failed attempt at `now`; returns the time of the earliest next attempt. */
  failed(now: number): number {
    this.failures++;
    this.notBefore = now + this.currentDelayMs;
    return this.notBefore;
  }

  succeeded(): void {
    this.failures = 0;
    this.notBefore = 0;
  }
}
