// A real Prometheus scrapes the agent; promtool lints the agent's exposition.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { getText, settleAll } from '../peers/child.ts';
import { type NodeExporterPeer, startNodeExporter } from '../peers/node-exporter.ts';
import { type PrometheusPeer, type VectorSample, promtoolCheckMetrics, startPrometheus } from '../peers/prometheus.ts';
import { parsePromText } from '../peers/prom-text.ts';

/** Polls an instant query until it returns a non-empty vector, for at most timeoutMs. */
async function pollQuery(prom: PrometheusPeer, expr: string, timeoutMs = 30_000): Promise<VectorSample[]> {
  const deadline = Date.now() + timeoutMs;
  let last = 'empty vector';
  for (;;) {
    try {
      const result = await prom.query(expr);
      if (result.length > 0) return result;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const targets = await fetch(`${prom.url}/api/v1/targets`).then(
        (r) => r.text(),
        (e: Error) => e.message,
      );
      throw new Error(`${expr} returned no data within ${timeoutMs} ms (last: ${last}); targets: ${targets.slice(0, 2000)}`);
    }
    await sleep(500);
  }
}

describe('Prometheus scraping the agent', () => {
  let agent: AgentPeer | undefined;
  let prom: PrometheusPeer | undefined;

  beforeAll(async () => {
    agent = await startAgent({ interval: '1s' });
    prom = await startPrometheus([{ job: 'vigil', targets: [`127.0.0.1:${agent.port}`] }], '1s');
  });

  afterAll(async () => {
    await Promise.all([prom?.stop(), agent?.stop()]);
  });

  it('sees the target up', async () => {
    const up = await pollQuery(prom!, 'up{job="vigil"} == 1');
    expect(up).toHaveLength(1);
    expect(up[0]!.metric.instance).toBe(`127.0.0.1:${agent!.port}`);
    expect(Number(up[0]!.value[1])).toBe(1);
  });

  it('computes rate(node_cpu_seconds_total[1m]) per cpu and mode', async () => {
    const rates = await pollQuery(prom!, 'rate(node_cpu_seconds_total{job="vigil"}[1m])');
    const modes = new Set(rates.map((r) => r.metric.mode));
    for (const m of ['user', 'system', 'idle']) expect(modes, `modes seen: ${[...modes].join(',')}`).toContain(m);
    for (const r of rates) {
      expect(r.metric.cpu, JSON.stringify(r.metric)).toMatch(/^\d+$/);
      const v = Number(r.value[1]);
      // CPU seconds per second: one CPU in one mode can spend at most one second per second
      // (a little over, from sampling-time jitter between ticks).
      expect(v, JSON.stringify(r)).toBeGreaterThanOrEqual(0);
      expect(v, JSON.stringify(r)).toBeLessThan(1.5);
    }
  });

  it('stores counters that advance with wall time: each CPU gains about one second per second', async () => {
    // rate() divides by the whole 1m window, so in the first minute it under-reads by design; the
    // stored samples are compared directly instead, once they span at least 8 s.
    const span = async () => {
      const m = await prom!.queryMatrix('node_cpu_seconds_total{job="vigil"}[1m]');
      const perCpu = new Map<string, { first: number; last: number; t0: number; t1: number }>();
      for (const s of m) {
        const first = s.values[0]!;
        const last = s.values[s.values.length - 1]!;
        const acc = perCpu.get(s.metric.cpu!) ?? { first: 0, last: 0, t0: first[0], t1: last[0] };
        acc.first += Number(first[1]);
        acc.last += Number(last[1]);
        perCpu.set(s.metric.cpu!, acc);
      }
      return perCpu;
    };
    const deadline = Date.now() + 30_000;
    let perCpu = await span();
    while ([...perCpu.values()].some((c) => c.t1 - c.t0 < 8) || perCpu.size === 0) {
      if (Date.now() > deadline) throw new Error('less than 8 s of node_cpu_seconds_total stored after 30 s');
      await sleep(500);
      perCpu = await span();
    }
    for (const [cpu, c] of perCpu) {
      // A scrape returns the last tick's values, up to one interval old: over 8 s the tick-to-tick time
      // differs from the scrape-to-scrape time by at most ±1 s, i.e. ±12.5 %.
      const perSecond = (c.last - c.first) / (c.t1 - c.t0);
      expect(perSecond, `cpu ${cpu}: ${c.last - c.first} s of CPU time in ${c.t1 - c.t0} s`).toBeGreaterThan(0.6);
      expect(perSecond, `cpu ${cpu}`).toBeLessThan(1.4);
    }
  });

  it('ingested every family of the scrape without errors', async () => {
    const scraped = await pollQuery(prom!, 'scrape_samples_scraped{job="vigil"}');
    const body = parsePromText(await agent!.scrape());
    const samples = [...body.families.values()].reduce((n, f) => n + f.samples.length, 0);
    // Series may come and go between scrapes (network devices), but not many.
    expect(Number(scraped[0]!.value[1])).toBeGreaterThan(samples * 0.9);
    // Anything Prometheus rejected (duplicate series, out-of-order or out-of-bounds samples) shows in
    // its own counters, on its own /metrics (this Prometheus does not scrape itself).
    const own = parsePromText(await getText(`${prom!.url}/metrics`));
    for (const name of [
      'prometheus_target_scrapes_sample_duplicate_timestamp_total',
      'prometheus_target_scrapes_sample_out_of_order_total',
      'prometheus_target_scrapes_sample_out_of_bounds_total',
      'prometheus_target_scrapes_exemplar_out_of_order_total',
    ]) {
      const f = own.families.get(name);
      expect(f?.samples.length, `${name} on Prometheus' /metrics`).toBe(1);
      expect(f!.samples[0]!.value, name).toBe(0);
    }
  });
});

describe('promtool check metrics on the agent exposition', () => {
  let agent: AgentPeer | undefined;
  let ne: NodeExporterPeer | undefined;

  beforeAll(async () => {
    await settleAll([startAgent({ interval: '1s' }).then((p) => (agent = p)), startNodeExporter().then((p) => (ne = p))]);
  });

  afterAll(async () => {
    await Promise.all([agent?.stop(), ne?.stop()]);
  });

  // node_exporter's node_memory_<Field>_bytes names keep /proc/meminfo's CamelCase field names, which
  // promtool's lint flags. Vigil keeps those names on purpose (dashboards and alerts are written for
  // them), so the only findings allowed are ones promtool also reports for node_exporter itself.
  it('reports nothing beyond the names inherited from node_exporter', async () => {
    const [agentBody, neBody] = await Promise.all([agent!.scrape(), ne!.scrape()]);
    const [ours, theirs] = await Promise.all([promtoolCheckMetrics(agentBody), promtoolCheckMetrics(neBody)]);
    const lines = (r: { stdout: string; stderr: string }): string[] => (r.stdout + r.stderr).split('\n').filter((l) => l.trim() !== '');
    const inherited = new Set(lines(theirs));
    const ownFindings = lines(ours).filter((l) => !inherited.has(l));
    expect(ownFindings, 'promtool findings on the agent output that node_exporter does not have').toEqual([]);
    // The control is real: node_exporter's output does draw findings, and they name families.
    expect(inherited.size).toBeGreaterThan(0);
  });

  it('passes cleanly (exit 0, no output) once those inherited families are left out', async () => {
    const [agentBody, neBody] = await Promise.all([agent!.scrape(), ne!.scrape()]);
    const theirs = await promtoolCheckMetrics(neBody);
    // Family names promtool flags in node_exporter's own output (first word of each finding).
    const flagged = new Set(
      (theirs.stdout + theirs.stderr)
        .split('\n')
        .map((l) => l.split(' ')[0]!)
        .filter((n) => n !== ''),
    );
    const kept = agentBody
      .split('\n')
      .filter((line) => {
        const name = line.startsWith('#') ? line.split(' ')[2] : /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
        return name === undefined || !flagged.has(name);
      })
      .join('\n');
    // What is left is most of the exposition, not a trivially empty body.
    expect(parsePromText(kept).families.size).toBeGreaterThan(50);
    const r = await promtoolCheckMetrics(kept);
    expect({ code: r.code, output: r.stdout + r.stderr }).toEqual({ code: 0, output: '' });
  });
});
