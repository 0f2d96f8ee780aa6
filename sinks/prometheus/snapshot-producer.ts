// Serves the latest tick's snapshot to OpenTelemetry metric readers (the Prometheus exporter, and
// OTLP later) as a MetricProducer. Observable instruments would not do: the SDK keeps reporting a
// series after its last observation under cumulative temporality, so a vanished interface or
// unmounted filesystem would be exported forever. A producer exports exactly the snapshot.
import type { HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import {
  AggregationTemporality,
  type CollectionResult,
  DataPointType,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { emptyResource } from '@opentelemetry/resources';
import type { Snapshot } from '../../core/snapshot.ts';
import type { MetricCatalog } from './metric-catalog.ts';

const SCOPE = { name: 'vigil' };

const hrTime = (ms: number): HrTime => [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];

export class SnapshotMetricProducer implements MetricProducer {
  private snapshot: Snapshot | undefined;
  private converted: MetricData[] = [];
  private readonly startTime: HrTime;
  private readonly catalog: MetricCatalog;

  constructor(catalog: MetricCatalog, startMs: number) {
    this.catalog = catalog;
    this.startTime = hrTime(startMs);
  }

  /** Called once per tick; the conversion is done here, once, not on every scrape. */
  update(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.converted = this.convert(snapshot);
  }

  get latest(): Snapshot | undefined {
    return this.snapshot;
  }

  async collect(): Promise<CollectionResult> {
    return {
      resourceMetrics: { resource: emptyResource(), scopeMetrics: [{ scope: SCOPE, metrics: this.converted }] },
      errors: [],
    };
  }

  private convert(snapshot: Snapshot): MetricData[] {
    const endTime = hrTime(snapshot.timestamp);
    const families = new Map<string, MetricData>();
    for (const s of snapshot.samples) {
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
    return [...families.values()];
  }
}
