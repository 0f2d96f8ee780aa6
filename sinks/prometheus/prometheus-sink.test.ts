// The scrape output the real exporter produces from snapshots: exactly the latest snapshot, with
// node_exporter's shape (no scope label, no target_info) and text-format escaping.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, gauge } from '../../core/samples.ts';
import { tickOf } from '../../core/tick-output.ts';
import { MetricCatalog } from './metric-catalog.ts';
import { PrometheusSink } from './prometheus-sink.ts';

let server: Server | undefined;
afterEach(() => server?.close());

async function scrape(sink: PrometheusSink): Promise<{ body: string; type: string | null }> {
  server = createServer((req, res) => sink.serve(req, res));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
  return { body: await res.text(), type: res.headers.get('content-type') };
}

function newSink(): PrometheusSink {
  const catalog = new MetricCatalog([
    { name: 'node_network_receive_bytes_total', help: 'Network device statistic receive_bytes.', kind: 'counter', labels: ['device'] },
  ]);
  const sink = new PrometheusSink(catalog, Date.now());
  new MeterProvider({ readers: [sink.exporter] });
  return sink;
}

describe('Prometheus sink', () => {
  it('serves only the latest snapshot: a vanished series is gone', async () => {
    const sink = newSink();
    sink.send(
      tickOf({
        timestamp: Date.now(),
        samples: [counter('node_network_receive_bytes_total', { device: 'eth0' }, 1), counter('node_network_receive_bytes_total', { device: 'veth9' }, 2)],
      }),
    );
    sink.send(tickOf({ timestamp: Date.now(), samples: [counter('node_network_receive_bytes_total', { device: 'eth0' }, 5)] }));
    const { body, type } = await scrape(sink);
    expect(body).toContain('node_network_receive_bytes_total{device="eth0"} 5');
    expect(body).not.toContain('veth9');
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('has node_exporter shape: declared help, counter type, no scope label, no target_info', async () => {
    const sink = newSink();
    sink.send(tickOf({ timestamp: Date.now(), samples: [counter('node_network_receive_bytes_total', { device: 'lo' }, 3)] }));
    const { body } = await scrape(sink);
    expect(body).toContain('# HELP node_network_receive_bytes_total Network device statistic receive_bytes.');
    expect(body).toContain('# TYPE node_network_receive_bytes_total counter');
    expect(body).not.toContain('otel_scope');
    expect(body).not.toContain('target_info');
  });

  it('escapes label values (mount points with quotes, backslashes, newlines)', async () => {
    const sink = newSink();
    sink.send(tickOf({ timestamp: Date.now(), samples: [gauge('node_filesystem_size_bytes', { mountpoint: 'a "b"\\c\nd' }, 1)] }));
    const { body } = await scrape(sink);
    expect(body).toContain('node_filesystem_size_bytes{mountpoint="a \\"b\\"\\\\c\\nd"} 1');
  });
});

describe('Prometheus sink text', () => {
  it("is the exporter's own text with the recorded series after it, byte for byte", async () => {
    const catalog = new MetricCatalog([{ name: 'node_load1', help: '1m load average.', kind: 'gauge', labels: [] }]);
    const sink = new PrometheusSink(catalog, Date.now());
    const provider = new MeterProvider({ readers: [sink.exporter] });
    provider.getMeter('vigil').createHistogram('vigil_tick_duration_seconds').record(0.25);
    sink.send(
      tickOf({
        timestamp: Date.now(),
        samples: [
          gauge('node_load1', {}, 0.5),
          gauge('instance:node_num_cpu:sum', { instance: 'a' }, 4),
          counter('node_network_receive_bytes_total', { device: 'lo' }, 9),
        ],
      }),
    );
    // What /metrics served before the text was cached: the exporter's request handler, then the colon families.
    const exporterText = await new Promise<string>((resolve) => {
      const res = { statusCode: 0, setHeader: () => undefined, end: (body: string) => resolve(body) };
      sink.exporter.getMetricsRequestHandler({} as never, res as never);
    });
    const { body } = await scrape(sink);
    expect(body).toBe(exporterText + sink.producer.colonText);
    expect(body).toContain('instance:node_num_cpu:sum{instance="a"} 4');
    await provider.shutdown();
  });
});
