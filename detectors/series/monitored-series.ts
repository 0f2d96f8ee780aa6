// The series the detector watches, derived from each snapshot: ratios and per-second rates that mean
// something on any host (a byte counter's raw value only ever grows; its rate is what can be odd).
// Rates come from successive snapshots; a counter that went backwards (reset, reboot) yields no
// point for that tick rather than a huge negative rate.
import { type Labels, NO_LABELS, type Sample } from '../../core/samples.ts';
import type { Snapshot } from '../../core/snapshot.ts';
import { type SeriesSelector, matchesAny, seriesKey } from './selector.ts';

/** One monitored series' value in one tick. */
export interface MonitoredPoint {
  /** metric + labels, stable across ticks. */
  readonly key: string;
  /** The series' name: the `metric` label of vigil_anomaly_score. */
  readonly metric: string;
  readonly labels: Labels;
  readonly value: number;
}

/** Names of the default series (the `metric` label values); docs/detector.md lists them (a test checks). */
export const MONITORED = {
  cpuBusy: 'node_cpu_busy_ratio',
  memoryUsed: 'node_memory_used_ratio',
  filesystemUsed: 'node_filesystem_used_ratio',
  diskRead: 'node_disk_read_bytes_per_second',
  diskWritten: 'node_disk_written_bytes_per_second',
  netRx: 'node_network_receive_bytes_per_second',
  netTx: 'node_network_transmit_bytes_per_second',
  netRxErrs: 'node_network_receive_errs_per_second',
  netTxErrs: 'node_network_transmit_errs_per_second',
  load1: 'node_load1',
  pgLag: 'pg_replication_lag_seconds',
  pgReplayAge: 'vigil_pg_replay_timestamp_age_seconds',
} as const;

/**
 * Labels the default series carry besides `metric` (disks and interfaces: device; filesystems:
 * device, mountpoint, fstype; PostgreSQL: target). Series added by `detector.series.include` keep
 * their own labels too.
 */
export const MONITORED_LABELS = ['device', 'mountpoint', 'fstype', 'target'] as const;

const DEFAULT_NAMES: ReadonlySet<string> = new Set(Object.values(MONITORED));

/**
 * Network devices not monitored one by one by default: the virtual, short-lived interfaces of
 * container networking (a veth per pod, CNI bridges and tunnels). On a node where pods come and go
 * they would take every detector slot and never finish warm-up; pod traffic also crosses the uplink,
 * so the node total leaves them out too.
 */
export const DEFAULT_NETWORK_DEVICE_EXCLUDE = '^(veth|cali|flannel|cni|docker|br-|lxc|virbr|vxlan|genev|tun|tap|cilium|weave|vnet|kube-|nodelocaldns)';

/** Network rates that also get a node total (labels without `device`), summed over the physical devices' rates. */
const NETWORK_TOTALS: ReadonlySet<string> = new Set([MONITORED.netRx, MONITORED.netTx, MONITORED.netRxErrs, MONITORED.netTxErrs]);

/** Counter → rate series (per device). */
const RATES: ReadonlyMap<string, { metric: string; label: string }> = new Map([
  ['node_disk_read_bytes_total', { metric: MONITORED.diskRead, label: 'device' }],
  ['node_disk_written_bytes_total', { metric: MONITORED.diskWritten, label: 'device' }],
  ['node_network_receive_bytes_total', { metric: MONITORED.netRx, label: 'device' }],
  ['node_network_transmit_bytes_total', { metric: MONITORED.netTx, label: 'device' }],
  ['node_network_receive_errs_total', { metric: MONITORED.netRxErrs, label: 'device' }],
  ['node_network_transmit_errs_total', { metric: MONITORED.netTxErrs, label: 'device' }],
]);

/** Gauges watched as they are, with their own labels. */
const GAUGES: ReadonlySet<string> = new Set([MONITORED.load1, MONITORED.pgLag, MONITORED.pgReplayAge]);

interface Previous {
  value: number;
  timestamp: number;
  /** Tick in which it was last seen; entries not seen for a while are dropped. */
  tick: number;
}

export interface SeriesSelection {
  /** Extra series by metric name and labels: a gauge as it is, a counter as its per-second rate. */
  readonly include: readonly SeriesSelector[];
  /** Series left out (default or included), by their monitored name and labels. */
  readonly exclude: readonly SeriesSelector[];
  /** Network devices not monitored one by one (regex; default DEFAULT_NETWORK_DEVICE_EXCLUDE). */
  readonly networkDeviceExclude?: string;
}

export class MonitoredSeries {
  private readonly selection: SeriesSelection;
  private readonly includeNames: ReadonlySet<string>;
  private readonly networkExclude: RegExp;
  private readonly previous = new Map<string, Previous>();
  /** This tick's node totals of the network rates, by monitored name. */
  private readonly totals = new Map<string, number>();
  private tick = 0;

  constructor(selection: SeriesSelection) {
    this.selection = selection;
    this.includeNames = new Set(selection.include.map((s) => s.metric).filter((m) => !DEFAULT_NAMES.has(m)));
    this.networkExclude = new RegExp(selection.networkDeviceExclude ?? DEFAULT_NETWORK_DEVICE_EXCLUDE);
  }

  /** The monitored points of this snapshot (rates need the previous one; the first yields only ratios and gauges). */
  derive(snapshot: Snapshot): MonitoredPoint[] {
    this.tick++;
    const out: MonitoredPoint[] = [];
    const t = snapshot.timestamp;
    let cpuTotal = 0;
    let cpuIdle = 0;
    let cpuSeen = false;
    let memTotal = Number.NaN;
    let memAvailable = Number.NaN;
    const fsSize = new Map<string, { labels: Labels; size: number }>();
    const fsAvail = new Map<string, number>();
    this.totals.clear();
    for (const s of snapshot.samples) {
      switch (s.name) {
        case 'node_cpu_seconds_total':
          cpuSeen = true;
          cpuTotal += s.value;
          if (s.labels.mode === 'idle') cpuIdle += s.value;
          continue;
        case 'node_memory_MemTotal_bytes':
          memTotal = s.value;
          continue;
        case 'node_memory_MemAvailable_bytes':
          memAvailable = s.value;
          continue;
        case 'node_filesystem_size_bytes':
          fsSize.set(fsKey(s.labels), { labels: s.labels, size: s.value });
          continue;
        case 'node_filesystem_avail_bytes':
          fsAvail.set(fsKey(s.labels), s.value);
          continue;
      }
      const rate = RATES.get(s.name);
      if (rate !== undefined) {
        const device = s.labels[rate.label] ?? '';
        if (device === 'lo') continue;
        const network = NETWORK_TOTALS.has(rate.metric);
        const virtual = network && this.networkExclude.test(device);
        // Virtual devices: no series of their own, and no rate kept at all (they come and go with pods).
        if (virtual) continue;
        const r = this.rate(out, rate.metric, { device }, s.value, t);
        // The node total is the sum of the other (physical) devices' rates: virtual ones would count pod
        // traffic twice (once on the veth, once on the uplink), and a device that appears or vanishes
        // adds nothing (a counter sum would jump by its whole count).
        if (network && r !== undefined) this.totals.set(rate.metric, (this.totals.get(rate.metric) ?? 0) + r);
      } else if (GAUGES.has(s.name)) {
        this.push(out, s.name, s.labels, s.value);
      } else if (this.includeNames.has(s.name)) {
        this.included(out, s, t);
      }
    }
    for (const [metric, sum] of this.totals) this.push(out, metric, NO_LABELS, sum);
    if (cpuSeen) this.ratioOfRates(out, MONITORED.cpuBusy, cpuIdle, cpuTotal, t);
    if (memTotal > 0 && Number.isFinite(memAvailable)) this.push(out, MONITORED.memoryUsed, {}, 1 - memAvailable / memTotal);
    for (const [k, { labels, size }] of fsSize) {
      const avail = fsAvail.get(k);
      if (size > 0 && avail !== undefined) {
        this.push(
          out,
          MONITORED.filesystemUsed,
          { device: labels.device ?? '', mountpoint: labels.mountpoint ?? '', fstype: labels.fstype ?? '' },
          1 - avail / size,
        );
      }
    }
    // Forget counters of series that disappeared (an unplugged disk), so the map stays bounded.
    if (this.tick % 64 === 0) for (const [k, p] of this.previous) if (this.tick - p.tick > 64) this.previous.delete(k);
    return out;
  }

  private push(out: MonitoredPoint[], metric: string, labels: Labels, value: number): void {
    if (matchesAny(this.selection.exclude, metric, labels)) return;
    out.push({ key: seriesKey(metric, labels), metric, labels, value });
  }

  private included(out: MonitoredPoint[], s: Sample, t: number): void {
    if (!matchesAny(this.selection.include, s.name, s.labels)) return;
    if (s.kind === 'gauge') this.push(out, s.name, s.labels, s.value);
    else this.rate(out, s.name, s.labels, s.value, t);
  }

  /**
   * Per-second rate of a counter since the previous snapshot, pushed to `out` when given; none on the
   * first sight or a reset. Returns the rate (undefined when there is none).
   */
  private rate(out: MonitoredPoint[] | undefined, metric: string, labels: Labels, value: number, t: number): number | undefined {
    const key = seriesKey(metric, labels);
    const prev = this.previous.get(key);
    if (prev === undefined) {
      this.previous.set(key, { value, timestamp: t, tick: this.tick });
      return undefined;
    }
    const dv = value - prev.value;
    const dt = (t - prev.timestamp) / 1000;
    prev.value = value;
    prev.timestamp = t;
    prev.tick = this.tick;
    if (!(dt > 0 && dv >= 0)) return undefined;
    if (out !== undefined) this.push(out, metric, labels, dv / dt);
    return dv / dt;
  }

  /** 1 − Δidle/Δtotal: the busy share of CPU time since the previous snapshot. */
  private ratioOfRates(out: MonitoredPoint[], metric: string, idle: number, total: number, t: number): void {
    const key = `${metric}\u0000idle`;
    const prevIdle = this.previous.get(key);
    const prevTotal = this.previous.get(metric);
    this.previous.set(key, { value: idle, timestamp: t, tick: this.tick });
    this.previous.set(metric, { value: total, timestamp: t, tick: this.tick });
    if (prevIdle === undefined || prevTotal === undefined) return;
    const dTotal = total - prevTotal.value;
    const dIdle = idle - prevIdle.value;
    if (dTotal > 0 && dIdle >= 0 && dIdle <= dTotal) this.push(out, metric, {}, 1 - dIdle / dTotal);
  }
}

const fsKey = (l: Labels): string => `${l.device ?? ''}\u0000${l.mountpoint ?? ''}\u0000${l.fstype ?? ''}`;
