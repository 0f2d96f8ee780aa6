// The node page's memory: the last N ticks of every monitored series' value and anomaly score, in
// fixed-size typed arrays. One ring of tick timestamps is shared by all series (slot i of every series
// belongs to the same tick), so a point costs 9 bytes (value f32, score f32, anomalous u8). A series
// absent in a tick gets NaN there; one absent for a whole ring is forgotten; at most `maxSeries` are
// kept (the rest are counted in `dropped`). Nothing here grows with time.
import type { AnomalyScore } from '../core/tick-output.ts';
import type { Labels } from '../core/samples.ts';

/** `metric{a="x",b="y"}` with labels sorted by name: the key the page and /api/v1/series use. */
export function seriesKey(metric: string, labels: Labels): string {
  const names = Object.keys(labels).sort();
  if (names.length === 0) return metric;
  return `${metric}{${names.map((n) => `${n}=${JSON.stringify(labels[n])}`).join(',')}}`;
}

interface SeriesRing {
  readonly key: string;
  readonly metric: string;
  readonly labels: Labels;
  readonly values: Float32Array;
  readonly scores: Float32Array;
  readonly flags: Uint8Array;
  /** Tick number of the last write with data. */
  lastTick: number;
  latest: AnomalyScore;
  /** Start of the current anomalous stretch (ms), if the series is anomalous now. */
  anomalousSince: number | undefined;
}

/** Points of one series between two times, oldest first; NaN (no data) becomes null. */
export interface SeriesPoints {
  /** ms since the epoch. */
  readonly t: number[];
  readonly value: (number | null)[];
  readonly score: (number | null)[];
  /** 1 where the detector flagged the series (any tick of a bucket when downsampled). */
  readonly anomalous: number[];
}

/** A monitored series as it is now. */
export interface SeriesNow {
  readonly key: string;
  readonly metric: string;
  readonly labels: Labels;
  readonly value: number;
  readonly score: number;
  readonly anomalous: boolean;
  readonly anomalousSince: number | undefined;
  /** Updated in the latest tick (false while it is only remembered). */
  readonly current: boolean;
}

const round = (x: number, digits: number): number | null => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : null);

export class SeriesRings {
  readonly capacity: number;
  readonly maxSeries: number;
  private readonly times: Float64Array;
  /** Ticks recorded so far; the next tick goes to slot `ticks % capacity`. */
  private ticks = 0;
  private readonly series = new Map<string, SeriesRing>();
  /** Keys by metric and labels object: the detector hands the same labels object every tick, so the hot path builds no string. */
  private readonly keys = new Map<string, WeakMap<Labels, string>>();
  /** Series not kept because `maxSeries` were already kept (cumulative, per tick and series). */
  dropped = 0;

  constructor(capacity: number, maxSeries: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`ring capacity must be an integer ≥ 2, got ${capacity}`);
    this.capacity = capacity;
    this.maxSeries = maxSeries;
    this.times = new Float64Array(capacity);
  }

  get size(): number {
    return this.series.size;
  }

  /** Timestamp of the latest recorded tick, or undefined before the first. */
  get lastTimestamp(): number | undefined {
    return this.ticks === 0 ? undefined : this.times[(this.ticks - 1) % this.capacity];
  }

  /** Records one tick: every scored series' value and score at `timestamp`. */
  record(timestamp: number, anomalies: readonly AnomalyScore[]): void {
    const tick = this.ticks;
    const slot = tick % this.capacity;
    this.times[slot] = timestamp;
    for (const a of anomalies) {
      const key = this.keyOf(a.metric, a.labels);
      let ring = this.series.get(key);
      if (ring === undefined) {
        if (this.series.size >= this.maxSeries) {
          this.dropped++;
          continue;
        }
        ring = {
          key,
          metric: a.metric,
          labels: a.labels,
          values: new Float32Array(this.capacity).fill(NaN),
          scores: new Float32Array(this.capacity).fill(NaN),
          flags: new Uint8Array(this.capacity),
          lastTick: tick,
          latest: a,
          anomalousSince: undefined,
        };
        this.series.set(key, ring);
      }
      ring.values[slot] = a.value;
      ring.scores[slot] = a.score;
      ring.flags[slot] = a.anomalous ? 1 : 0;
      if (a.anomalous && !(ring.latest.anomalous && ring.lastTick === tick - 1 && ring.anomalousSince !== undefined)) ring.anomalousSince = timestamp;
      if (!a.anomalous) ring.anomalousSince = undefined;
      ring.latest = a;
      ring.lastTick = tick;
    }
    for (const [key, ring] of this.series) {
      if (ring.lastTick === tick) continue;
      ring.values[slot] = NaN;
      ring.scores[slot] = NaN;
      ring.flags[slot] = 0;
      ring.anomalousSince = undefined;
      if (tick - ring.lastTick >= this.capacity) this.series.delete(key);
    }
    this.ticks = tick + 1;
  }

  private keyOf(metric: string, labels: Labels): string {
    let byLabels = this.keys.get(metric);
    if (byLabels === undefined) {
      // Bounded like the series: metric names come from the detector's fixed set and include list.
      if (this.keys.size >= this.maxSeries) return seriesKey(metric, labels);
      this.keys.set(metric, (byLabels = new WeakMap()));
    }
    let key = byLabels.get(labels);
    if (key === undefined) byLabels.set(labels, (key = seriesKey(metric, labels)));
    return key;
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  /** Every kept series as it is now, highest score first (current ones before remembered ones). */
  ranked(): SeriesNow[] {
    const last = this.ticks - 1;
    const out: SeriesNow[] = [];
    for (const r of this.series.values()) {
      const current = r.lastTick === last;
      out.push({
        key: r.key,
        metric: r.metric,
        labels: r.labels,
        value: r.latest.value,
        score: r.latest.score,
        anomalous: current && r.latest.anomalous,
        anomalousSince: r.anomalousSince,
        current,
      });
    }
    return out.sort((a, b) => Number(b.current) - Number(a.current) || b.score - a.score || (a.key < b.key ? -1 : 1));
  }

  /**
   * The points of `key` from `fromMs` on, at most `maxPoints` of them: when there are more, ticks are
   * grouped into equal buckets (last value, highest score, anomalous if any tick was). Undefined for an
   * unknown key.
   */
  points(key: string, fromMs: number, maxPoints: number): SeriesPoints | undefined {
    const ring = this.series.get(key);
    if (ring === undefined) return undefined;
    const n = Math.min(this.ticks, this.capacity);
    const first = this.ticks - n;
    const slots: number[] = [];
    for (let tick = first; tick < this.ticks; tick++) {
      const slot = tick % this.capacity;
      if (this.times[slot]! >= fromMs) slots.push(slot);
    }
    const step = Math.max(1, Math.ceil(slots.length / Math.max(1, maxPoints)));
    const out: SeriesPoints = { t: [], value: [], score: [], anomalous: [] };
    for (let i = 0; i < slots.length; i += step) {
      let value = NaN;
      let score = NaN;
      let anomalous = 0;
      let t = 0;
      for (let j = i; j < Math.min(i + step, slots.length); j++) {
        const s = slots[j]!;
        t = this.times[s]!;
        if (!Number.isNaN(ring.values[s]!)) value = ring.values[s]!;
        const sc = ring.scores[s]!;
        if (!Number.isNaN(sc) && !(sc <= score)) score = sc;
        anomalous |= ring.flags[s]!;
      }
      out.t.push(t);
      out.value.push(round(value, 6));
      out.score.push(round(score, 4));
      out.anomalous.push(anomalous);
    }
    return out;
  }

  /** Bytes held by the typed arrays (what grows with series × capacity); the rest is a few hundred bytes per series. */
  arrayBytes(): number {
    return this.times.byteLength + this.series.size * this.capacity * (4 + 4 + 1);
  }
}
