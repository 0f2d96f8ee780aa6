// Which alerts go to Alertmanager at a tick, with Prometheus' rules (rules/alerting.go needsSending
// and manager.go sendAlerts): never pending ones; a firing alert when it starts firing and then every
// resend delay, valid until now + 4 × max(resend delay, evaluation interval); a resolved one as soon
// as it resolves and then every resend delay while the rule manager keeps it (15 min).
import type { Alert } from '../../core/tick-output.ts';
import { fingerprint } from '../../core/fingerprint.ts';

/** Alertmanager's postableAlert (API v2). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

interface Sent {
  /** Identity of the alert instance (a new pending → firing cycle of the same labels is a new alert). */
  readonly activeAt: number;
  readonly at: number;
}

export class ResendSchedule {
  private readonly resendDelayMs: number;
  private readonly validForMs: number;
  private sent = new Map<string, Sent>();

  constructor(resendDelayMs: number, evaluationIntervalMs: number) {
    this.resendDelayMs = resendDelayMs;
    this.validForMs = 4 * Math.max(resendDelayMs, evaluationIntervalMs);
  }

  /** The alerts due at `now` (ms), as Alertmanager wants them; marks them sent. */
  due(alerts: readonly Alert[], now: number): PostableAlert[] {
    const out: PostableAlert[] = [];
    const next = new Map<string, Sent>();
    for (const a of alerts) {
      if (a.state === 'pending') continue;
      const fp = fingerprint(a.labels);
      const prev = this.sent.get(fp);
      const last = prev !== undefined && prev.activeAt === a.activeAt ? prev.at : undefined;
      const needs = last === undefined || (a.resolvedAt !== undefined && a.resolvedAt > last) || last + this.resendDelayMs < now;
      if (!needs) {
        next.set(fp, prev!);
        continue;
      }
      next.set(fp, { activeAt: a.activeAt, at: now });
      out.push({
        labels: a.labels,
        annotations: a.annotations,
        startsAt: new Date(a.firedAt ?? a.activeAt).toISOString(),
        endsAt: new Date(a.resolvedAt ?? now + this.validForMs).toISOString(),
        generatorURL: a.generatorURL,
      });
    }
    // Alerts the rule manager forgot are forgotten here too (bounded by what the rules hold).
    this.sent = next;
    return out;
  }
}
