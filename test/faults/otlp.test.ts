// The OTLP collector killed mid-run (refused) and black-holed, then back, behind the switchable proxy,
// with a real OpenTelemetry Collector (the e2e build, cached after its first build). An OTLP export
// that fails after the exporter's own retries is lost by design (metrics are cumulative, so the next
// export carries the totals): what is promised is that failures are counted and the outage is logged
// once, and that exports resume, with current values, when the collector is reachable again.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { type OtelCollectorPeer, attr, startOtelCollector } from '../peers/otel-collector.ts';
import { sumSamples } from '../peers/alertmanager.ts';
import { expectSection, type Row } from './reliability-doc.ts';
import { FaultProxy, type ProxyMode } from './proxy.ts';

const NODE = 'faults-otlp';
let dir: string;
let collector: OtelCollectorPeer | undefined;
let proxy: FaultProxy | undefined;
let agent: AgentPeer | undefined;
const rows: Row[] = [];

/** How many export requests from this agent the collector has written. */
async function received(): Promise<number> {
  return (await collector!.metrics()).filter((rm) => attr(rm.resource?.attributes, 'vigil.test.node') === NODE).length;
}

const failures = async () => sumSamples(await agent!.scrape(), 'vigil_otlp_export_failures_total', { signal: 'metrics' });

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-faults-otlp-'));
  writeFileSync(
    path.join(dir, 'vigil.yml'),
    ['interval: 500ms', `stateDir: ${path.join(dir, 'state')}`, 'sinks:', '  otlp:', '    enabled: true', ''].join('\n'),
  );
  collector = await startOtelCollector();
  const port = Number(new URL(collector.httpEndpoint).port);
  proxy = await FaultProxy.start(port, 'forward');
  agent = await startAgent({
    args: ['--config', path.join(dir, 'vigil.yml')],
    env: {
      NODE_NAME: NODE,
      OTEL_METRIC_EXPORT_INTERVAL: '500',
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      OTEL_RESOURCE_ATTRIBUTES: `vigil.test.node=${NODE}`,
    },
  });
  await until('first exports received', async () => (await received()) >= 2, { timeoutMs: 30_000 });
}, 900_000);

afterAll(async () => {
  await agent?.stop();
  await proxy?.stop();
  await collector?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('OTLP collector under fault, behind a switchable proxy', () => {
  it.each([
    ['refuse', 'OTLP collector down mid-run (refused), then back'],
    ['blackhole', 'OTLP collector black-holed, then back'],
  ] as const)('[otlp-%s] failures counted, the outage logged once, exports resume', async (mode: ProxyMode, fault: string) => {
    const from = agent!.logs().length;
    const failed = await failures();
    await proxy!.set(mode);
    await until('failed exports counted', async () => (await failures()) >= failed + 2, { timeoutMs: 30_000 });
    const outage = agent!
      .logs()
      .slice(from)
      .filter((e) => e.code === 'VIGIL_ERR_OTLP_EXPORT_FAILED' && e.signal === 'metrics');
    expect(outage).toHaveLength(1);
    const before = await received();
    await proxy!.set('forward');
    await until('exports received again', async () => (await received()) >= before + 2, { timeoutMs: 30_000 });
    await until('"otlp export resumed" logged', () =>
      agent!
        .logs()
        .slice(from)
        .some((e) => e.msg === 'otlp export resumed' && e.signal === 'metrics'),
    );
    expect(agent!.exit).toBeUndefined();
    rows.push({
      fault,
      metric: 'vigil_otlp_export_failures_total{signal="metrics"}',
      code: 'VIGIL_ERR_OTLP_EXPORT_FAILED (once per outage)',
      recovered: 'exports resume (cumulative totals); "otlp export resumed" logged',
    });
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expectSection('otlp.test.ts', rows);
  });
});
