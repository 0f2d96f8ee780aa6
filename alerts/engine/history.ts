// The rules' own short-term storage: per series, the points within the longest span any rule reads
// of its metric, in typed arrays (no object per point), bounded in series and points per series.
// A series missing from a snapshot gets a staleness marker, as Prometheus writes one when a scrape
// lacks a series it had: instant selectors then stop seeing it at once.
import type { Labels, Sample } from '../../core/samples.ts';
import type { NameSelector, RecordingHistory, SeriesView, VectorSample } from './api.ts';
import { readHistoryFile, writeHistoryFile } from './history-file.ts';
import { seriesKeyInName } from './labels.ts';
import { historySamples } from './history-metrics.ts';

export interface HistoryOptions {
  /** Per metric name, how far back (ms) before the newest tick its points are kept; other names are not stored. */
  readonly retentionByMetric: ReadonlyMap<string, number>;
  /** At most this many series; samples of further new series are dropped (and counted). */
  readonly maxSeries?: number;
  /** At most this many points per series; the oldest go first (and are counted). */
  readonly maxPointsPerSeries?: number;
  /** Selectors without a fixed name: every name one accepts is kept for its span too. */
  readonly nameSelectors?: readonly NameSelector[];
  /** Metric names recording rules write (appendRecorded); snapshots never write or mark them. */
  readonly recordedNames?: ReadonlySet<string>;
}

export interface HistoryStats {
  readonly series: number;
  readonly points: number;
  /** Samples not stored because the series cap was reached. */
  readonly droppedSamples: number;
  /** Points dropped by the per-series cap or arriving out of order. */
  readonly droppedPoints: number;
}

const DEFAULT_MAX_SERIES = 20_000;
/** 6 h at a 5 s interval. */
const DEFAULT_MAX_POINTS_PER_SERIES = 4_320;

/** One series' points; implements SeriesView directly so that reading allocates nothing. */
export class StoredSeries implements SeriesView {
  readonly labels: Labels;
  readonly name: string;
  times: Float64Array;
  values: Float64Array;
  staleMarkers: Uint8Array;
  first = 0;
  length = 0;
  /** Tick counter of the last append (a series not seen in a tick gets a staleness marker). */
  seenTick = -1;
  /** The recording rule that writes this series (undefined: collected, or restored and not yet adopted). */
  owner: string | undefined;

  constructor(name: string, labels: Labels, capacity: number) {
    this.name = name;
    this.labels = labels;
    this.times = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
    this.staleMarkers = new Uint8Array(capacity);
  }

  get lastTime(): number {
    return this.length === 0 ? -Infinity : (this.times[this.first + this.length - 1] as number);
  }

  get lastIsStale(): boolean {
    return this.length > 0 && this.staleMarkers[this.first + this.length - 1] !== 0;
  }

  /** Appends; returns how many old points the cap pushed out. */
  push(t: number, v: number, stale: boolean, maxPoints: number): number {
    let dropped = 0;
    if (this.length >= maxPoints) {
      this.first++;
      this.length--;
      dropped = 1;
    }
    if (this.first + this.length === this.times.length) {
      // Grow while the points fill most of the buffer, so that a compaction (a copy) buys many
      // appends; beyond the cap the buffer keeps 25 % headroom for the same reason.
      const limit = Math.ceil(maxPoints * 1.25);
      if (this.length < this.times.length * 0.75 || this.times.length >= limit) this.compact();
      else this.grow(Math.min(limit, Math.max(8, this.times.length * 2)));
    }
    const i = this.first + this.length;
    this.times[i] = t;
    this.values[i] = v;
    this.staleMarkers[i] = stale ? 1 : 0;
    this.length++;
    return dropped;
  }

  /** Drops points older than `minTime`. */
  trim(minTime: number): void {
    while (this.length > 0 && (this.times[this.first] as number) < minTime) {
      this.first++;
      this.length--;
    }
    if (this.length === 0) this.first = 0;
  }

  /** Whether nothing visible is left: staleness markers are never written twice in a row, so a lone one. */
  get empty(): boolean {
    return this.length === 0 || (this.length === 1 && this.lastIsStale);
  }

  private compact(): void {
    this.times.copyWithin(0, this.first, this.first + this.length);
    this.values.copyWithin(0, this.first, this.first + this.length);
    this.staleMarkers.copyWithin(0, this.first, this.first + this.length);
    this.first = 0;
  }

  private grow(capacity: number): void {
    const t = new Float64Array(capacity);
    const v = new Float64Array(capacity);
    const s = new Uint8Array(capacity);
    t.set(this.times.subarray(this.first, this.first + this.length));
    v.set(this.values.subarray(this.first, this.first + this.length));
    s.set(this.staleMarkers.subarray(this.first, this.first + this.length));
    this.times = t;
    this.values = v;
    this.staleMarkers = s;
    this.first = 0;
  }
}

export interface SnapshotLike {
  readonly timestamp: number;
  readonly samples: readonly Pick<Sample, 'name' | 'labels' | 'value'>[];
}

export class HistoryStore implements RecordingHistory {
  private retention: ReadonlyMap<string, number>;
  private recordedNames: ReadonlySet<string>;
  private nameSelectors: readonly NameSelector[];
  /** Per metric name seen, its span (null: not kept), so that name selectors run once per name. */
  private readonly retentionCache = new Map<string, number | null>();
  /** Per recording rule, the series it returned at its last evaluation. */
  private readonly byOwner = new Map<string, Set<StoredSeries>>();
  /** Counts appendRecorded calls downwards from -2: never a snapshot tick, nor a new series' -1. */
  private recordTick = -1;
  private readonly maxSeries: number;
  private readonly maxPoints: number;
  /** metric name → series key → series. */
  private readonly byName = new Map<string, Map<string, StoredSeries>>();
  private seriesCount = 0;
  private tick = 0;
  private droppedSamples = 0;
  private droppedPoints = 0;

  constructor(options: HistoryOptions) {
    this.retention = options.retentionByMetric;
    this.recordedNames = options.recordedNames ?? new Set();
    this.nameSelectors = options.nameSelectors ?? [];
    this.maxSeries = options.maxSeries ?? DEFAULT_MAX_SERIES;
    this.maxPoints = Math.max(2, options.maxPointsPerSeries ?? DEFAULT_MAX_POINTS_PER_SERIES);
  }

  /** New rules, new spans: names no longer referenced are forgotten. */
  setRetention(
    retentionByMetric: ReadonlyMap<string, number>,
    recordedNames: ReadonlySet<string> = this.recordedNames,
    nameSelectors: readonly NameSelector[] = this.nameSelectors,
  ): void {
    this.retention = retentionByMetric;
    this.recordedNames = recordedNames;
    this.nameSelectors = nameSelectors;
    this.retentionCache.clear();
    for (const [name, series] of this.byName) {
      if (this.retentionOf(name) !== undefined) continue;
      for (const s of series.values()) this.disown(s);
      this.seriesCount -= series.size;
      this.byName.delete(name);
    }
  }

  /** How long points of this metric name are kept; undefined when no rule reads it. */
  private retentionOf(name: string): number | undefined {
    let ms = this.retentionCache.get(name);
    if (ms === undefined) {
      let kept = this.retention.get(name);
      for (const ns of this.nameSelectors) if (ns.matches(name)) kept = Math.max(kept ?? 0, ns.lookbackMs);
      ms = kept ?? null;
      this.retentionCache.set(name, ms);
    }
    return ms ?? undefined;
  }

  metricNames(): Iterable<string> {
    return this.byName.keys();
  }

  private disown(s: StoredSeries): void {
    if (s.owner !== undefined) this.byOwner.get(s.owner)?.delete(s);
  }

  private seriesFor(name: string, labels: Labels): StoredSeries | undefined {
    let byKey = this.byName.get(name);
    if (byKey === undefined) {
      byKey = new Map();
      this.byName.set(name, byKey);
    }
    const key = seriesKeyInName(labels);
    let series = byKey.get(key);
    if (series === undefined) {
      if (this.seriesCount >= this.maxSeries) {
        this.droppedSamples++;
        return undefined;
      }
      series = new StoredSeries(name, { ...labels, __name__: name }, Math.min(8, this.maxPoints));
      byKey.set(key, series);
      this.seriesCount++;
    }
    return series;
  }

  appendRecorded(owner: string, t: number, samples: readonly VectorSample[], adoptName?: string): void {
    const tick = --this.recordTick;
    const previous = this.byOwner.get(owner) ?? new Set<StoredSeries>();
    if (adoptName !== undefined) {
      for (const s of this.byName.get(adoptName)?.values() ?? []) {
        if (s.owner === undefined) {
          s.owner = owner;
          previous.add(s);
        }
      }
    }
    const current = new Set<StoredSeries>();
    for (const sample of samples) {
      const name = sample.labels.__name__;
      if (name === undefined || this.retentionOf(name) === undefined) continue;
      const series = this.seriesFor(name, sample.labels);
      if (series === undefined || series.seenTick === tick) continue;
      series.seenTick = tick;
      if (series.owner !== owner) {
        this.disown(series);
        series.owner = owner;
      }
      current.add(series);
      if (t <= series.lastTime) {
        this.droppedPoints++;
        continue;
      }
      this.droppedPoints += series.push(t, sample.value, false, this.maxPoints);
    }
    for (const series of previous) {
      if (current.has(series) || series.owner !== owner) continue;
      // Gone from the rule's result: a staleness marker, as Prometheus' rule group writes one.
      if (!series.lastIsStale && t > series.lastTime) this.droppedPoints += series.push(t, NaN, true, this.maxPoints);
    }
    this.byOwner.set(owner, current);
  }

  seriesOf(metricName: string): Iterable<SeriesView> {
    return this.byName.get(metricName)?.values() ?? [];
  }

  /** Stores one tick: the referenced samples, then staleness markers for series that vanished. */
  append(snapshot: SnapshotLike): void {
    const t = snapshot.timestamp;
    const tick = ++this.tick;
    for (const s of snapshot.samples) {
      if (this.retentionOf(s.name) === undefined || this.recordedNames.has(s.name)) continue;
      const series = this.seriesFor(s.name, s.labels);
      if (series === undefined) continue;
      if (series.seenTick === tick) continue; // a duplicate in one snapshot: the first one counts
      series.seenTick = tick;
      if (t <= series.lastTime) {
        this.droppedPoints++;
        continue;
      }
      this.droppedPoints += series.push(t, s.value, false, this.maxPoints);
    }
    for (const [name, byKey] of this.byName) {
      const minTime = t - (this.retentionOf(name) ?? 0);
      // Recording rules mark their own series stale when they evaluate (appendRecorded).
      const recorded = this.recordedNames.has(name);
      for (const [key, series] of byKey) {
        if (!recorded && series.seenTick !== tick && !series.lastIsStale && t > series.lastTime) {
          this.droppedPoints += series.push(t, NaN, true, this.maxPoints);
        }
        series.trim(minTime);
        if (series.empty) {
          this.disown(series);
          byKey.delete(key);
          this.seriesCount--;
        }
      }
    }
  }

  /** Its own figures as samples (vigil_rule_history_*), so that a cap being hit shows on /metrics. */
  samples(): Sample[] {
    return historySamples(this.stats());
  }

  stats(): HistoryStats {
    let points = 0;
    for (const byKey of this.byName.values()) for (const s of byKey.values()) points += s.length;
    return { series: this.seriesCount, points, droppedSamples: this.droppedSamples, droppedPoints: this.droppedPoints };
  }

  /** Crash-safe: a temp file, fsync, rename, fsync of the directory. */
  async save(file: string): Promise<void> {
    const all: StoredSeries[] = [];
    for (const byKey of this.byName.values()) for (const s of byKey.values()) all.push(s);
    await writeHistoryFile(file, all);
  }

  /**
   * Restores a saved history (names no rule reads are skipped). Returns false when there is no
   * file; throws HistoryFileError (code VIGIL_ERR_ALERT_STATE_IO) when it is corrupt, and then
   * keeps nothing from it.
   */
  async load(file: string): Promise<boolean> {
    const saved = await readHistoryFile(file);
    if (saved === undefined) return false;
    for (const s of saved) {
      const name = s.labels.__name__;
      if (name === undefined || this.retentionOf(name) === undefined) continue;
      let byKey = this.byName.get(name);
      if (byKey === undefined) {
        byKey = new Map();
        this.byName.set(name, byKey);
      }
      const key = seriesKeyInName(s.labels);
      if (byKey.has(key) || this.seriesCount >= this.maxSeries) continue;
      const series = new StoredSeries(name, s.labels, Math.min(this.maxPoints, Math.max(8, s.times.length)));
      for (let i = Math.max(0, s.times.length - this.maxPoints); i < s.times.length; i++) {
        series.push(s.times[i] as number, s.values[i] as number, s.stale[i] !== 0, this.maxPoints);
      }
      byKey.set(key, series);
      this.seriesCount++;
    }
    return true;
  }
}
