// The OTLP sink against a real OpenTelemetry Collector (built with the collector builder: the OTLP
// receiver and contrib's file exporter), with the agent as a child process configured the standard
// way (OTEL_* variables). The test reads what the collector wrote: metric names and values, resource
// attributes, and the spans of Vigil's own work, over OTLP/HTTP (protobuf) and OTLP/gRPC.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { freePort, until } from '../peers/child.ts';
import { type OtelCollectorPeer, type OtlpMetric, type OtlpSpan, type ResourceMetrics, attr, startOtelCollector } from '../peers/otel-collector.ts';
import { parsePromText } from '../peers/prom-text.ts';

const TOKEN = 'e2e-secret-token-5d1c9b';
let collector: OtelCollectorPeer;
let dir: string;
const agents: AgentPeer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vigil-otlp-e2e-'));
  writeFileSync(
    path.join(dir, 'vigil.yml'),
    ['interval: 500ms', `stateDir: ${path.join(dir, 'state')}`, 'sinks:', '  otlp:', '    enabled: true', ''].join('\n'),
  );
  collector = await startOtelCollector();
}, 900_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await collector?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function startOtlpAgent(env: Record<string, string>): Promise<AgentPeer> {
  const agent = await startAgent({ args: ['--config', path.join(dir, 'vigil.yml')], env: { OTEL_METRIC_EXPORT_INTERVAL: '1000', ...env } });
  agents.push(agent);
  return agent;
}

const metricsOf = (rms: readonly ResourceMetrics[]): OtlpMetric[] => rms.flatMap((rm) => (rm.scopeMetrics ?? []).flatMap((sm) => sm.metrics ?? []));
const pointValue = (m: OtlpMetric | undefined): number | undefined => {
  const p = (m?.gauge ?? m?.sum)?.dataPoints[0];
  return p === undefined ? undefined : (p.asDouble ?? Number(p.asInt));
};

for (const protocol of ['http/protobuf', 'grpc'] as const) {
  describe(`OTLP over ${protocol} to a real collector`, () => {
    const node = `otlp-e2e-${protocol === 'grpc' ? 'grpc' : 'http'}`;
    let agent: AgentPeer;
    let mine: ResourceMetrics[];

    beforeAll(async () => {
      agent = await startOtlpAgent({
        NODE_NAME: node,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? `http://${collector.grpcEndpoint}` : collector.httpEndpoint,
        OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}`,
        OTEL_RESOURCE_ATTRIBUTES: `deployment.environment=e2e,vigil.test.node=${node}`,
      });
      // Exports that carry this agent's resource and a full snapshot (node_load1 is in every tick).
      mine = await until('metrics from the agent', async () => {
        const rms = (await collector.metrics()).filter((rm) => attr(rm.resource?.attributes, 'vigil.test.node') === node);
        return rms.some((rm) => metricsOf([rm]).some((m) => m.name === 'node_load1')) ? rms : undefined;
      });
    }, 60_000);

    it('exports the same families as /metrics, with the same values', async () => {
      const exported = metricsOf(mine.slice(-1));
      const names = new Set(exported.map((m) => m.name));
      const scrape = parsePromText(await agent.scrape());
      // Everything in the snapshot, the SDK's tick histogram and process metrics included.
      for (const name of [
        'node_load1',
        'node_memory_MemTotal_bytes',
        'node_cpu_seconds_total',
        'vigil_build_info',
        'vigil_ticks_total',
        'vigil_tick_duration_seconds',
        'process_resident_memory_bytes',
        'vigil_otlp_exports_total',
      ]) {
        expect(names, name).toContain(name);
      }
      for (const family of scrape.families.keys()) if (family.startsWith('node_')) expect(names, family).toContain(family);
      // A value that does not move between the export and the scrape.
      const memTotal = exported.find((m) => m.name === 'node_memory_MemTotal_bytes');
      expect(pointValue(memTotal)).toBe(scrape.families.get('node_memory_MemTotal_bytes')!.samples[0]!.value);
      const load = pointValue(exported.find((m) => m.name === 'node_load1'))!;
      const [load1] = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
      expect(Math.abs(load - load1!)).toBeLessThan(2);
      const cpu = exported.find((m) => m.name === 'node_cpu_seconds_total')!;
      expect(cpu.sum?.isMonotonic).toBe(true);
      expect(cpu.sum!.dataPoints.map((p) => attr(p.attributes, 'mode'))).toContain('idle');
      const build = exported.find((m) => m.name === 'vigil_build_info')!;
      expect(attr(build.gauge!.dataPoints[0]!.attributes, 'version')).toMatch(/^\d+\.\d+\.\d+/);
    });

    it('describes itself with the standard resource attributes', () => {
      const attrs = mine.at(-1)!.resource?.attributes;
      expect(attr(attrs, 'service.name')).toBe('vigil');
      expect(attr(attrs, 'service.version')).toMatch(/^\d+\.\d+\.\d+/);
      expect(attr(attrs, 'host.name')).toBe(hostname());
      expect(attr(attrs, 'k8s.node.name')).toBe(node);
      expect(attr(attrs, 'deployment.environment')).toBe('e2e');
    });

    it('traces each tick: a root span with a child per collector and per stage', async () => {
      const spans = await until('a complete tick trace', async () => {
        const all = (await collector.spans())
          .filter((rs) => attr(rs.resource?.attributes, 'vigil.test.node') === node)
          .flatMap((rs) => (rs.scopeSpans ?? []).flatMap((ss) => ss.spans ?? []));
        const ticks = all.filter((s) => s.name === 'tick');
        // The last exported tick may still lack children exported in the next batch; take an earlier one.
        return ticks.length >= 2 ? { all, tick: ticks[0]! } : undefined;
      });
      const children = spans.all.filter((s: OtlpSpan) => s.parentSpanId === spans.tick.spanId && s.traceId === spans.tick.traceId);
      const names = children.map((s) => s.name);
      for (const stage of ['collect', 'detect', 'evaluate_alerts', 'send_sinks']) expect(names, stage).toContain(stage);
      const collectors = children.filter((s) => s.name === 'collect').map((s) => attr(s.attributes, 'vigil.collector'));
      expect(collectors).toEqual(expect.arrayContaining(['cpu', 'loadavg', 'meminfo']));
      expect(spans.tick.parentSpanId ?? '').toBe('');
    });

    it('never logs the header values', () => {
      expect(agent.stdout() + agent.stderr()).not.toContain(TOKEN);
      const started = agent.logs().find((e) => e.msg === 'otlp export started') as unknown as { metrics: { protocol: string }; traces: { protocol: string } };
      expect(started.metrics.protocol).toBe(protocol);
      expect(started.traces.protocol).toBe(protocol);
    });
  });
}

describe('OTLP with the collector unreachable', () => {
  it('keeps running, counts the failed exports and logs the outage once, without the token', async () => {
    const nowhere = await freePort();
    const agent = await startOtlpAgent({
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${nowhere}`,
      OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${TOKEN}`,
    });
    const failures = await until('failed exports to be counted', async () => {
      const e = parsePromText(await agent.scrape());
      const v = e.families.get('vigil_otlp_export_failures_total')?.samples.find((s) => s.labels.signal === 'metrics')?.value ?? 0;
      return v >= 2 ? v : undefined;
    });
    expect(failures).toBeGreaterThanOrEqual(2);
    const warnings = agent.logs().filter((e) => e.code === 'VIGIL_ERR_OTLP_EXPORT_FAILED' && e.signal === 'metrics');
    expect(warnings).toHaveLength(1);
    expect(agent.exit).toBeUndefined();
    expect(agent.stdout() + agent.stderr()).not.toContain(TOKEN);
  });
});
