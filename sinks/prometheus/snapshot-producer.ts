// Serves the latest tick's snapshot to OpenTelemetry metric readers (the Prometheus exporter, and
// OTLP later) as a MetricProducer. Observable instruments would not do: the SDK keeps reporting a
// series after its last observation under cumulative temporality, so a vanished interface or
// unmounted filesystem would be exported forever. A producer exports exactly the snapshot.
import type { HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { AggregationTemporality, type CollectionResult, DataPointType, type MetricData, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { emptyResource } from '@opentelemetry/resources';
import type { Snapshot } from '../../core/snapshot.ts';
import type { MetricCatalog } from './metric-catalog.ts';

const SCOPE = { name: 'vigil' };

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

// The exposition format's escaping and values, as the exporter's serializer writes them.
const escapeLabelValue = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const valueText = (v: number): string => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : `${v}`);

export class SnapshotMetricProducer implements MetricProducer {
  private snapshot: Snapshot | undefined;
  /** The conversion of `convertedFrom`, made by the first collection of that snapshot. */
  private converted: MetricData[] | undefined;
  private convertedFrom: Snapshot | undefined;
  private colonTextOf = '';
  private readonly startTime: HrTime;
  private readonly catalog: MetricCatalog;
  private readonly colonNamesAsText: boolean;
  private readonly keepConverted: boolean;

  /**
   * `colonNamesAsText`: families whose names hold a colon (recording rules' results, `job:x:rate5m`)
   * are kept out of the MetricData and rendered in `colonText` instead, because the Prometheus
   * exporter would rewrite the colons to underscores.
   *
   * `keepConverted` (default true): keep the conversion for the next collection of the same snapshot
   * (scrapes of one tick); false for a reader that collects each snapshot at most once (OTLP).
   */
  constructor(catalog: MetricCatalog, startMs: number, opts: { colonNamesAsText?: boolean; keepConverted?: boolean } = {}) {
    this.catalog = catalog;
    this.colonNamesAsText = opts.colonNamesAsText ?? false;
    this.keepConverted = opts.keepConverted ?? true;
    this.startTime = hrTime(startMs);
  }

  /**
   * Called once per tick: only keeps the snapshot. It is converted when a reader collects (a scrape,
   * an OTLP export), once per snapshot: a snapshot nobody collects costs nothing (docs/footprint.md,
   * "Idle").
   */
  update(snapshot: Snapshot): void {
    this.snapshot = snapshot;
  }

  get latest(): Snapshot | undefined {
    return this.snapshot;
  }

  /** The families whose names hold a colon, in the text format (see colonNamesAsText), of the latest snapshot. */
  get colonText(): string {
    this.ensureConverted();
    return this.colonTextOf;
  }

  async collect(): Promise<CollectionResult> {
    const metrics = this.ensureConverted();
    // Not kept when asked: a conversion held until the next collection outlives V8's young
    // generation and becomes old-generation garbage, which costs a mark-compact to free.
    if (!this.keepConverted) this.converted = undefined;
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: SCOPE, metrics }] },
      errors: [],
    };
  }

  private ensureConverted(): MetricData[] {
    if (this.converted === undefined || this.convertedFrom !== this.snapshot) {
      this.converted = this.snapshot === undefined ? [] : this.convert(this.snapshot);
      this.convertedFrom = this.snapshot;
    }
    return this.converted;
  }

  private convert(snapshot: Snapshot): MetricData[] {
    const endTime = hrTime(snapshot.timestamp);
    const families = new Map<string, MetricData>();
    const colon = new Map<string, string[]>();
    for (const s of snapshot.samples) {
      if (this.colonNamesAsText && s.name.includes(':')) {
        let lines = colon.get(s.name);
        if (lines === undefined) {
          lines = [`# HELP ${s.name} ${escapeHelp(this.catalog.help(s.name))}`, `# TYPE ${s.name} ${s.kind === 'counter' ? 'counter' : 'gauge'}`];
          colon.set(s.name, lines);
        }
        const labels = Object.entries(s.labels)
          .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
          .join(',');
        lines.push(`${s.name}${labels === '' ? '' : `{${labels}}`} ${valueText(s.value)}`);
        continue;
      }
      let family = families.get(s.name);
      if (family === undefined) {
        const descriptor = { name: s.name, description: s.help ?? this.catalog.help(s.name), unit: '', valueType: ValueType.DOUBLE };
        family =
          s.kind === 'counter'
            ? { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints: [] }
            : { descriptor, aggregationTemporality: AggregationTemporality.CUMULATIVE, dataPointType: DataPointType.GAUGE, dataPoints: [] };
        families.set(s.name, family);
      }
      (family.dataPoints as Array<{ startTime: HrTime; endTime: HrTime; attributes: object; value: number }>).push({
        startTime: this.startTime,
        endTime,
        attributes: s.labels,
        value: s.value,
      });
    }
    this.colonTextOf = [...colon.values()].map((lines) => `${lines.join('\n')}\n\n`).join('');
    return [...families.values()];
  }
}
