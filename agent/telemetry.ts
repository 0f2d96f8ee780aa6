// Vigil's OpenTelemetry MeterProvider: the readers of every metric sink, plus the instruments that
// are measured live at scrape time rather than once per tick (process metrics, tick latency).
import { readdir } from 'node:fs/promises';
import type { Histogram } from '@opentelemetry/api';
import { type MetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';

const TICK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The families measured here, declared as data; docs/metrics-reference.ts documents them. */
export const LIVE_INSTRUMENTS = {
  tickDuration: { name: 'vigil_tick_duration_seconds', kind: 'histogram', labels: [], help: 'Duration of one tick: collect, detect, evaluate, emit.' },
  cpu: { name: 'process_cpu_seconds_total', kind: 'counter', labels: [], help: 'Total user and system CPU time spent in seconds.' },
  rss: { name: 'process_resident_memory_bytes', kind: 'gauge', labels: [], help: 'Resident memory size in bytes.' },
  heap: { name: 'process_heap_bytes', kind: 'gauge', labels: [], help: 'Process heap size in bytes.' },
  start: { name: 'process_start_time_seconds', kind: 'gauge', labels: [], help: 'Start time of the process since unix epoch in seconds.' },
  fds: { name: 'process_open_fds', kind: 'gauge', labels: [], help: 'Number of open file descriptors.' },
} as const;
const L = LIVE_INSTRUMENTS;

export interface Telemetry {
  readonly provider: MeterProvider;
  readonly tickDuration: Histogram;
  shutdown(): Promise<void>;
}

export function createTelemetry(readers: MetricReader[], startMs: number): Telemetry {
  const provider = new MeterProvider({ readers });
  const meter = provider.getMeter('vigil');
  const tickDuration = meter.createHistogram(L.tickDuration.name, {
    description: L.tickDuration.help,
    advice: { explicitBucketBoundaries: TICK_BUCKETS },
  });

  const cpu = meter.createObservableCounter(L.cpu.name, { description: L.cpu.help });
  const rss = meter.createObservableGauge(L.rss.name, { description: L.rss.help });
  const heap = meter.createObservableGauge(L.heap.name, { description: L.heap.help });
  const start = meter.createObservableGauge(L.start.name, { description: L.start.help });
  const fds = meter.createObservableGauge(L.fds.name, { description: L.fds.help });
  meter.addBatchObservableCallback(
    async (r) => {
      const usage = process.cpuUsage();
      r.observe(cpu, (usage.user + usage.system) / 1e6);
      const mem = process.memoryUsage();
      r.observe(rss, mem.rss);
      r.observe(heap, mem.heapTotal);
      r.observe(start, startMs / 1000);
      // Our own process, so the real /proc, whatever --path.procfs says.
      const open = await readdir('/proc/self/fd').catch(() => undefined);
      if (open) r.observe(fds, open.length);
    },
    [cpu, rss, heap, start, fds],
  );

  return { provider, tickDuration, shutdown: () => provider.shutdown() };
}
