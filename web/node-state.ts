// What the node page shows, kept up to date by the agent once per tick: the series rings, the alerts
// (active ones from the tick, resolved ones remembered for an hour), collector health, PostgreSQL
// targets and the detector's state, read from the tick's output. Every structure is bounded.
import type { Labels, Sample } from '../core/samples.ts';
import type { Alert, TickOutput } from '../core/tick-output.ts';
import { fingerprint } from '../core/fingerprint.ts';
import { SeriesRings } from './series-rings.ts';

/** Facts about the agent that do not change while it runs. */
export interface NodeInfo {
  readonly nodeName: string;
  readonly version: string;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly intervalMs: number;
  readonly detectorEnabled: boolean;
  /** Whether the agent serves /runbooks/<name>. */
  readonly hasRunbook: (alertName: string) => boolean;
}

/** One collector's outcome in the latest tick. */
export interface CollectorHealth {
  readonly name: string;
  readonly success: boolean;
  readonly durationSeconds: number;
  readonly lastError?: string;
  /** ms since the epoch. */
  readonly lastErrorAt?: number;
}

export interface AlertView {
  readonly alertname: string;
  readonly severity: string;
  readonly state: 'pending' | 'firing' | 'resolved';
  readonly labels: Labels;
  readonly summary: string;
  readonly description: string;
  /** The alert's value as its `value` annotation shows it, else the raw number. */
  readonly value: string;
  readonly activeAt: number;
  readonly firedAt?: number;
  readonly resolvedAt?: number;
  /** Where the node page links: this agent's runbook page when it has one, else the runbook_url annotation. */
  readonly runbook?: string;
}

export interface PostgresTarget {
  readonly target: string;
  readonly up: boolean;
  readonly role: 'primary' | 'standby' | 'unknown';
  readonly lagSeconds?: number;
  readonly receiverUp?: boolean;
  readonly standbysConnected?: number;
  readonly standbysExpected?: number;
}

export interface NodePageOptions {
  /** Points kept per series. */
  readonly ringPoints: number;
  readonly maxSeries: number;
}

/** How long resolved alerts stay listed, and how many at most. */
export const RESOLVED_KEEP_MS = 60 * 60 * 1000;
const RESOLVED_MAX = 50;

const SAFE_URL = /^(?:https?:\/\/|\/)/i;

export class NodeState {
  readonly info: NodeInfo;
  readonly rings: SeriesRings;
  private tickAt: number | undefined;
  private tickDurationSeconds = 0;
  private ticks = 0;
  private active: AlertView[] = [];
  private readonly resolved = new Map<string, AlertView>();
  private collectors: readonly CollectorHealth[] = [];
  private postgres: PostgresTarget[] = [];
  private detectorUp: boolean | undefined;
  /** Series the detector sees but does not score yet (vigil_detector_series{state="warming_up"}). */
  private warmingUp = 0;

  constructor(info: NodeInfo, options: NodePageOptions) {
    this.info = info;
    this.rings = new SeriesRings(options.ringPoints, options.maxSeries);
  }

  /** Takes one tick's output; cheap (a pass over the snapshot and the scored series). */
  update(output: TickOutput, collectors: readonly CollectorHealth[], tickDurationSeconds: number): void {
    const at = output.snapshot.timestamp;
    this.tickAt = at;
    this.ticks++;
    this.tickDurationSeconds = tickDurationSeconds;
    this.collectors = collectors;
    this.rings.record(at, output.anomalies);
    this.active = [];
    for (const a of output.alerts) {
      if (a.state === 'inactive') {
        if (a.resolvedAt !== undefined) this.resolved.set(fingerprint(a.labels), this.view(a));
      } else {
        this.active.push(this.view(a));
        this.resolved.delete(fingerprint(a.labels));
      }
    }
    for (const t of output.alertTransitions)
      if (t.to === 'inactive' && t.from === 'firing')
        this.resolved.set(fingerprint(t.alert.labels), this.view({ ...t.alert, state: 'inactive', resolvedAt: t.alert.resolvedAt ?? t.at }));
    for (const [fp, a] of this.resolved) if ((a.resolvedAt ?? 0) < at - RESOLVED_KEEP_MS) this.resolved.delete(fp);
    while (this.resolved.size > RESOLVED_MAX) this.resolved.delete(this.resolved.keys().next().value!);
    this.active.sort(
      (x, y) => Number(y.state === 'firing') - Number(x.state === 'firing') || severityRank(y.severity) - severityRank(x.severity) || x.activeAt - y.activeAt,
    );
    this.readSnapshot(output.snapshot.samples);
  }

  private view(a: Alert): AlertView {
    const name = a.labels.alertname ?? '';
    const annotated = a.annotations.runbook_url;
    const runbook = this.info.hasRunbook(name)
      ? `/runbooks/${encodeURIComponent(name)}`
      : annotated !== undefined && SAFE_URL.test(annotated)
        ? annotated
        : undefined;
    return {
      alertname: name,
      severity: a.labels.severity ?? 'none',
      state: a.state === 'inactive' ? 'resolved' : a.state,
      labels: a.labels,
      summary: a.annotations.summary ?? '',
      description: a.annotations.description ?? '',
      value: a.annotations.value ?? String(a.value),
      activeAt: a.activeAt,
      ...(a.firedAt !== undefined ? { firedAt: a.firedAt } : {}),
      ...(a.resolvedAt !== undefined ? { resolvedAt: a.resolvedAt } : {}),
      ...(runbook !== undefined ? { runbook } : {}),
    };
  }

  private readSnapshot(samples: readonly Sample[]): void {
    this.detectorUp = undefined;
    this.warmingUp = 0;
    const pg = new Map<string, { up?: number; replica?: number; lag?: number; receiver?: number; connected?: number; expected?: number }>();
    const at = (target: string | undefined) => {
      const key = target ?? '';
      let t = pg.get(key);
      if (t === undefined) pg.set(key, (t = {}));
      return t;
    };
    for (const s of samples) {
      switch (s.name) {
        case 'vigil_detector_up':
          this.detectorUp = s.value === 1;
          break;
        case 'vigil_detector_series':
          if (s.labels.state === 'warming_up') this.warmingUp = s.value;
          break;
        case 'pg_up':
          at(s.labels.target).up = s.value;
          break;
        case 'pg_replication_is_replica':
          at(s.labels.target).replica = s.value;
          break;
        case 'pg_replication_lag_seconds':
          at(s.labels.target).lag = s.value;
          break;
        case 'vigil_pg_wal_receiver_up':
          at(s.labels.target).receiver = s.value;
          break;
        case 'vigil_pg_replication_standbys_connected':
          at(s.labels.target).connected = s.value;
          break;
        case 'vigil_pg_replication_standbys_expected':
          at(s.labels.target).expected = s.value;
          break;
      }
    }
    this.postgres = [...pg].map(([target, t]) => ({
      target,
      up: t.up === 1,
      role: t.replica === 1 ? 'standby' : t.replica === 0 ? 'primary' : 'unknown',
      ...(t.lag !== undefined ? { lagSeconds: t.lag } : {}),
      ...(t.receiver !== undefined ? { receiverUp: t.receiver === 1 } : {}),
      ...(t.connected !== undefined ? { standbysConnected: t.connected } : {}),
      ...(t.expected !== undefined ? { standbysExpected: t.expected } : {}),
    }));
  }

  /** The alerts of one alert name (for its runbook page): active ones, else recently resolved ones. */
  alertsNamed(name: string): AlertView[] {
    const active = this.active.filter((a) => a.alertname === name);
    return active.length > 0 ? active : [...this.resolved.values()].filter((a) => a.alertname === name);
  }

  /** Body of GET /api/v1/status. */
  status(now: number): unknown {
    const firing = this.active.filter((a) => a.state === 'firing').length;
    return {
      node: {
        name: this.info.nodeName,
        version: this.info.version,
        startedAt: this.info.startedAt,
        uptimeSeconds: Math.round((now - this.info.startedAt) / 1000),
        intervalSeconds: this.info.intervalMs / 1000,
        lastTickAt: this.tickAt ?? null,
        lastTickAgeSeconds: this.tickAt === undefined ? null : Math.max(0, (now - this.tickAt) / 1000),
        lastTickDurationSeconds: this.tickDurationSeconds,
        ticks: this.ticks,
        now,
      },
      detector: {
        state: !this.info.detectorEnabled ? 'off' : this.detectorUp === undefined ? 'starting' : this.detectorUp ? 'up' : 'down',
        monitoredSeries: this.rings.size,
        anomalousSeries: this.rings.ranked().filter((s) => s.anomalous).length,
        warmingUpSeries: this.warmingUp,
      },
      alerting: { firing, pending: this.active.length - firing },
      alerts: { active: this.active, resolved: [...this.resolved.values()].sort((a, b) => (b.resolvedAt ?? 0) - (a.resolvedAt ?? 0)) },
      collectors: this.collectors,
      postgres: this.postgres,
    };
  }
}

const SEVERITIES = ['none', 'info', 'warning', 'critical'];
const severityRank = (s: string): number => SEVERITIES.indexOf(s);
