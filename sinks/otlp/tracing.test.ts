// The spans the agent makes around its collectors (agent/collect.ts), read with an in-memory exporter:
// one child of the tick's span per collector, ERROR with the reason when a collector fails.
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { collectAll, runningCollector } from '../../agent/collect.ts';
import { gauge } from '../../core/samples.ts';

describe('collector spans', () => {
  it('makes one child span per collector under the tick span, with failures marked as errors', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('vigil');
    const tick = tracer.startSpan('tick', { root: true });
    const parent = trace.setSpan(ROOT_CONTEXT, tick);
    const collectors = [
      runningCollector('good', { collect: async (out) => (out.push(gauge('a', {}, 1), gauge('b', {}, 2)), 0) }),
      runningCollector('broken', { collect: async () => Promise.reject(new Error('no such file')) }),
    ];
    const samples = await collectAll(collectors, 1000, pino({ level: 'silent' }), { tracer, parent });
    tick.end();
    expect(samples).toHaveLength(2);
    const spans = exporter.getFinishedSpans();
    const children = spans.filter((s) => s.parentSpanContext?.spanId === tick.spanContext().spanId);
    expect(children.map((s) => [s.name, s.attributes['vigil.collector']])).toEqual(
      expect.arrayContaining([
        ['collect', 'good'],
        ['collect', 'broken'],
      ]),
    );
    const good = children.find((s) => s.attributes['vigil.collector'] === 'good')!;
    const broken = children.find((s) => s.attributes['vigil.collector'] === 'broken')!;
    expect(good.attributes['vigil.samples']).toBe(2);
    expect(good.status.code).toBe(SpanStatusCode.UNSET);
    expect(broken.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no such file' });
    for (const c of children) expect(c.spanContext().traceId).toBe(tick.spanContext().traceId);
    await provider.shutdown();
  });
});
