// Vigil's OpenTelemetry MeterProvider: the readers of every metric sink, plus the instruments that
// are measured live at scrape time rather than once per tick (process metrics, tick latency).
import { readdir } from 'node:fs/promises';
import type { Histogram } from '@opentelemetry/api';
import { type MetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';

const TICK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface Telemetry {
  readonly provider: MeterProvider;
  readonly tickDuration: Histogram;
  shutdown(): Promise<void>;
}

export function createTelemetry(readers: MetricReader[], startMs: number): Telemetry {
  const provider = new MeterProvider({ readers });
  const meter = provider.getMeter('vigil');
  const tickDuration = meter.createHistogram('vigil_tick_duration_seconds', {
    description: 'Duration of one tick: collect, detect, evaluate, emit.',
    advice: { explicitBucketBoundaries: TICK_BUCKETS },
  });

  const cpu = meter.createObservableCounter('process_cpu_seconds_total', { description: 'Total user and system CPU time spent in seconds.' });
  const rss = meter.createObservableGauge('process_resident_memory_bytes', { description: 'Resident memory size in bytes.' });
  const heap = meter.createObservableGauge('process_heap_bytes', { description: 'Process heap size in bytes.' });
  const start = meter.createObservableGauge('process_start_time_seconds', { description: 'Start time of the process since unix epoch in seconds.' });
  const fds = meter.createObservableGauge('process_open_fds', { description: 'Number of open file descriptors.' });
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
