// The Alertmanager sink: at each tick picks the alerts due (Prometheus' resend rules), and queues them
// for every configured Alertmanager; each has its own queue and sender, so a slow or dead one delays
// nobody. send() only queues.
import type { Logger } from 'pino';
import type { SinkContext } from '../../core/component.ts';
import { durationMs } from '../../core/duration.ts';
import type { TickOutput } from '../../core/tick-output.ts';
import { counter, gauge, type MetricSpec, type Sample } from '../../core/samples.ts';
import type { Sink, SinkFactory } from '../sink.ts';
import { type AlertmanagerSinkConfig, alertmanagerSinkOptions } from './options.ts';
import { AlertmanagerClient } from './client.ts';
import { DeliveryQueue, type PostTarget, type QueueOptions } from './delivery-queue.ts';
import { ResendSchedule } from './resend.ts';
import { logFailure } from '../../core/log-failure.ts';
import { ErrorCode } from '../../core/errors.ts';

const L = ['alertmanager'];
const ALERTMANAGER_METRICS: readonly MetricSpec[] = [
  { name: 'vigil_alertmanager_sent_total', help: 'Alerts accepted by the Alertmanager.', kind: 'counter', labels: L },
  {
    name: 'vigil_alertmanager_errors_total',
    help: 'Requests to the Alertmanager that failed (error status, timeout, refused); each is retried.',
    kind: 'counter',
    labels: L,
  },
  { name: 'vigil_alertmanager_dropped_total', help: 'Alerts dropped because the queue for the Alertmanager was full.', kind: 'counter', labels: L },
  { name: 'vigil_alertmanager_queue_length', help: 'Alerts queued for the Alertmanager.', kind: 'gauge', labels: L },
  { name: 'vigil_alertmanager_up', help: 'Whether the Alertmanager is configured usably (1) or disabled by a bad option (0).', kind: 'gauge', labels: L },
];

/** Prometheus' notification queue capacity. */
const DEFAULT_QUEUE: QueueOptions = { capacity: 10_000, backoffInitialMs: 500, backoffMaxMs: 30_000 };
/** How long stop() may spend flushing queues. */
const STOP_FLUSH_MS = 2000;

export interface AlertmanagerSinkOptions {
  readonly queue?: Partial<QueueOptions>;
  /** Tests pass their own targets; normally one AlertmanagerClient per configured Alertmanager. */
  readonly targets?: readonly PostTarget[];
}

export class AlertmanagerSink implements Sink {
  readonly name = 'alertmanager';
  readonly metrics = ALERTMANAGER_METRICS;
  private readonly schedule: ResendSchedule;
  private readonly queues: DeliveryQueue[];
  private readonly clients: AlertmanagerClient[];
  private readonly disabled = new Set<DeliveryQueue>();
  private readonly logger: Logger;

  constructor(
    config: AlertmanagerSinkConfig,
    ctx: Pick<SinkContext, 'logger'> & { readonly evaluationIntervalMs: number },
    opts: AlertmanagerSinkOptions = {},
  ) {
    this.logger = ctx.logger;
    const resendMs = durationMs(config.resendDelay);
    this.schedule = new ResendSchedule(resendMs, ctx.evaluationIntervalMs);
    // Retrying more slowly than alerts are re-sent would only let the queue grow.
    const queue: QueueOptions = { ...DEFAULT_QUEUE, backoffMaxMs: Math.min(DEFAULT_QUEUE.backoffMaxMs, resendMs), ...opts.queue };
    this.clients = opts.targets === undefined ? config.alertmanagers.map((am) => new AlertmanagerClient(am)) : [];
    const targets: readonly PostTarget[] = opts.targets ?? this.clients;
    this.queues = targets.map((t) => new DeliveryQueue(t, queue, this.logger.child({ alertmanager: t.name })));
  }

  async start(_signal: AbortSignal): Promise<void> {
    for (const [i, client] of this.clients.entries()) {
      try {
        await client.init();
      } catch (err) {
        // A bad TLS file disables that Alertmanager (vigil_alertmanager_up 0), not the agent.
        this.disabled.add(this.queues[i]!);
        logFailure(this.logger, 'error', ErrorCode.ALERTMANAGER_CONFIG, err, 'alertmanager disabled: its TLS options cannot be used', {
          alertmanager: client.name,
        });
      }
    }
    for (const q of this.queues) if (!this.disabled.has(q)) q.start();
  }

  send(tick: TickOutput): void {
    if (this.queues.length === 0) return;
    const due = this.schedule.due(tick.alerts, tick.snapshot.timestamp);
    if (due.length === 0) return;
    for (const q of this.queues) if (!this.disabled.has(q)) q.push(due);
  }

  selfSamples(): readonly Sample[] {
    const out: Sample[] = [];
    for (const q of this.queues) {
      const l = { alertmanager: q.target.name };
      out.push(counter('vigil_alertmanager_sent_total', l, q.sent));
      out.push(counter('vigil_alertmanager_errors_total', l, q.errors));
      out.push(counter('vigil_alertmanager_dropped_total', l, q.dropped));
      out.push(gauge('vigil_alertmanager_queue_length', l, q.length));
      out.push(gauge('vigil_alertmanager_up', l, this.disabled.has(q) ? 0 : 1));
    }
    return out;
  }

  async stop(): Promise<void> {
    const deadline = Date.now() + STOP_FLUSH_MS;
    await Promise.all(this.queues.map((q) => (this.disabled.has(q) ? undefined : q.stop(deadline))));
    for (const c of this.clients) c.close();
  }
}

export const alertmanagerSink: SinkFactory<AlertmanagerSinkConfig> = {
  name: 'alertmanager',
  configKey: 'alerting',
  options: alertmanagerSinkOptions,
  metrics: ALERTMANAGER_METRICS,
  enabled: (o) => o.alertmanagers.length > 0,
  create: (o, ctx) => new AlertmanagerSink(o, { logger: ctx.logger.child({ sink: 'alertmanager' }), evaluationIntervalMs: ctx.evaluationIntervalMs }),
};
