// One Alertmanager's bounded queue and its sender: batches of at most 64 alerts (Prometheus'
// maxBatchSize), sent in order; a failed batch stays at the head and is retried with exponential
// backoff; when the queue is full the oldest alerts are dropped and counted. push() never waits.
import type { Logger } from 'pino';
import { ErrorCode } from '../../core/errors.ts';
import { Backoff } from '../../core/backoff.ts';
import type { PostableAlert } from './resend.ts';
import { logFailure } from '../../core/log-failure.ts';

const MAX_BATCH = 64;

export interface QueueOptions {
  readonly capacity: number;
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
}

export interface PostTarget {
  readonly name: string;
  post(body: string, signal: AbortSignal): Promise<void>;
}

export class DeliveryQueue {
  readonly target: PostTarget;
  sent = 0;
  errors = 0;
  dropped = 0;
  private items: PostableAlert[] = [];
  private head = 0;
  private readonly opts: QueueOptions;
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private failing = false;

  constructor(target: PostTarget, opts: QueueOptions, logger: Logger) {
    this.target = target;
    this.opts = opts;
    this.backoff = new Backoff(opts.backoffInitialMs, opts.backoffMaxMs);
    this.logger = logger;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Queues alerts; drops the oldest beyond capacity. Returns at once. */
  push(alerts: readonly PostableAlert[]): void {
    for (const a of alerts) this.items.push(a);
    const over = this.length - this.opts.capacity;
    if (over > 0) {
      this.head += over;
      this.dropped += over;
    }
    // Compact now and then, so the array does not grow with everything ever sent.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.wake?.();
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async sleep(ms: number): Promise<void> {
    if (this.stopping.signal.aborted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
      this.stopping.signal.addEventListener('abort', done, { once: true });
    });
    this.wake = undefined;
  }

  /** Sends the batch at the head once; true when it was accepted. */
  private async sendHead(signal: AbortSignal): Promise<boolean> {
    const n = Math.min(MAX_BATCH, this.length);
    const batch = this.items.slice(this.head, this.head + n);
    const startHead = this.head;
    try {
      await this.target.post(JSON.stringify(batch), signal);
    } catch (err) {
      // A batch cut off by stop() is not the Alertmanager's failure; the flush sends it again.
      if (signal.aborted && this.stopping.signal.aborted && signal === this.stopping.signal) return false;
      this.errors++;
      if (!this.failing) {
        this.failing = true;
        logFailure(this.logger, 'warn', ErrorCode.ALERTMANAGER_SEND_FAILED, err, 'alertmanager did not accept alerts; retrying with backoff', {
          alertmanager: this.target.name,
        });
      }
      return false;
    }
    // Items dropped while the batch was in flight moved the head: remove only what is still there.
    const done = Math.max(0, startHead + n - this.head);
    this.head += done;
    this.sent += n;
    if (this.failing) {
      this.failing = false;
      this.logger.info({ alertmanager: this.target.name }, 'alertmanager accepts alerts again');
    }
    return true;
  }

  private async run(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      if (this.length === 0) {
        await this.sleep(60_000);
        continue;
      }
      if (await this.sendHead(signal)) {
        this.backoff.succeeded();
      } else {
        const next = this.backoff.failed(Date.now());
        // New alerts do not cut the backoff short: only the timer (or stop) ends it.
        const until = next - Date.now();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, until);
          signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
  }

  /** Stops the loop, then sends what is queued until `deadline` (ms since epoch) or the first failure. */
  async stop(deadline: number): Promise<void> {
    this.stopping.abort();
    await this.loop;
    const flush = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    while (this.length > 0 && Date.now() < deadline) {
      if (!(await this.sendHead(flush))) break;
    }
  }
}
