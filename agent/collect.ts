// One tick's collection: every enabled collector at once, each with a timeout, each failure kept
// to its own collector and shown as node_scrape_collector_success 0.
import { type Context as TraceContext, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Collector } from '../collectors/collector.ts';
import type { Sample } from '../core/samples.ts';
import { ErrorCode } from '../core/errors.ts';
import type { CollectorOutcome } from './self-metrics.ts';
import { withTimeout } from '../core/with-timeout.ts';
import { logFailure } from '../core/log-failure.ts';

export interface RunningCollector {
  readonly name: string;
  readonly collector: Collector;
  readonly outcome: CollectorOutcome;
  /** The previous call, when it outlived its timeout and has not returned yet. */
  pending?: Promise<unknown>;
  /** Whether its last successful call skipped lines (a skipping collector is logged once, when it starts). */
  skipping?: boolean;
}

export function runningCollector(name: string, collector: Collector): RunningCollector {
  return { name, collector, outcome: { labels: Object.freeze({ collector: name }), success: false, durationSeconds: 0, parseErrorsTotal: 0 } };
}

class CollectorTimeout extends Error {}

/** The collector's samples, and how many lines of its source it skipped. */
async function collectOne(rc: RunningCollector, timeoutMs: number): Promise<{ samples: Sample[]; skipped: number }> {
  // A collector that is still stuck in its previous call is not called again on top of it.
  if (rc.pending !== undefined) throw new CollectorTimeout('still running since an earlier tick');
  // Each collector fills its own buffer: one that times out cannot write into the snapshot later.
  const buffer: Sample[] = [];
  const call = rc.collector.collect(buffer);
  const result = await withTimeout(call, timeoutMs);
  if (!result.done) {
    rc.pending = call.catch(() => undefined).finally(() => (rc.pending = undefined));
    throw new CollectorTimeout(`timed out after ${timeoutMs} ms`);
  }
  rc.outcome.parseErrorsTotal += result.value;
  return { samples: buffer, skipped: result.value };
}

/** Where collector spans go: children of the tick's span (a no-op tracer unless OTLP traces are on). */
export interface CollectTracing {
  readonly tracer: Tracer;
  readonly parent: TraceContext;
}

/** Collects from every collector; returns all samples of those that succeeded, in registry order. */
export async function collectAll(collectors: readonly RunningCollector[], timeoutMs: number, logger: Logger, tracing?: CollectTracing): Promise<Sample[]> {
  const results = await Promise.allSettled(
    collectors.map(async (rc) => {
      const span = tracing?.tracer.startSpan('collect', { attributes: { 'vigil.collector': rc.name } }, tracing.parent);
      const t0 = performance.now();
      try {
        const collected = await collectOne(rc, timeoutMs);
        span?.setAttribute('vigil.samples', collected.samples.length);
        return collected;
      } catch (err) {
        span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        rc.outcome.durationSeconds = (performance.now() - t0) / 1000;
        span?.end();
      }
    }),
  );
  const samples: Sample[] = [];
  results.forEach((r, i) => {
    const rc = collectors[i]!;
    rc.outcome.success = r.status === 'fulfilled';
    if (r.status === 'fulfilled') {
      for (const s of r.value.samples) samples.push(s);
      const lines = r.value.skipped;
      if (lines > 0 && rc.skipping !== true) {
        logger.warn({ code: ErrorCode.COLLECTOR_PARSE_ERRORS, collector: rc.name, skipped: lines }, 'collector skipped lines that did not parse');
      }
      rc.skipping = lines > 0;
    } else {
      rc.outcome.lastError = r.reason instanceof Error ? r.reason.message : String(r.reason);
      rc.outcome.lastErrorAt = Date.now();
      logFailure(logger, 'warn', ErrorCode.COLLECTOR_FAILED, r.reason, 'collector failed', { collector: rc.name });
    }
  });
  return samples;
}
