// Repo-wide checks of every declared metric: Prometheus naming rules, node_exporter conventions,
// no duplicate families (docs/metrics.md itself is checked with the other generated files).
import { describe, expect, it } from 'vitest';
import { SELF_METRICS } from '../agent/self-metrics.ts';
import { collectorList } from '../collectors/registry.ts';
import { LIVE_METRICS, STAGE_METRIC_GROUPS } from './metrics-reference.ts';

const declared = [
  ...collectorList.flatMap((f) => f.metrics.map((m) => ({ ...m, owner: f.name }))),
  ...SELF_METRICS.map((m) => ({ ...m, owner: 'self' })),
  ...STAGE_METRIC_GROUPS.flatMap((g) => g.metrics.map((m) => ({ ...m, owner: g.owner }))),
];

describe('metric declarations', () => {
  it.each(declared.map((m) => [m.name, m] as const))('%s follows Prometheus naming rules', (_name, m) => {
    expect(m.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    for (const l of m.labels) expect(l).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
    for (const l of m.labels) expect(l.startsWith('__')).toBe(false);
    // Counters end in _total; gauges never do (node_exporter's convention, promtool's lint).
    expect(m.name.endsWith('_total')).toBe(m.kind === 'counter');
    // Base units only: seconds and bytes, never ms or kB.
    expect(m.name).not.toMatch(/_(milliseconds|ms|kilobytes|kb|mb|percent)(_|$)/i);
    expect(m.help.length).toBeGreaterThan(0);
    expect(new Set(m.labels).size).toBe(m.labels.length);
  });

  it('host collectors use node_exporter names, Vigil its own prefix', () => {
    for (const m of declared) {
      if (m.owner === 'self') expect(m.name).toMatch(/^(vigil_|node_scrape_collector_)/);
      // Prometheus' own names for alert series, so queries over ALERTS work unchanged.
      else if (m.owner === 'alerting') expect(m.name).toMatch(/^(ALERTS|ALERTS_FOR_STATE|vigil_)$|^vigil_/);
      else if (m.owner === 'detector' || m.owner === 'sink') expect(m.name).toMatch(/^vigil_/);
      // PostgreSQL: postgres_exporter's names where the meaning is shared, vigil_pg_ otherwise.
      else if (m.owner === 'pgreplication') expect(m.name).toMatch(/^(pg_|vigil_pg_)/);
      // PgBouncer: pgbouncer_exporter's names where it has the metric, vigil_pgbouncer_ otherwise.
      else if (m.owner === 'pgbouncer') expect(m.name).toMatch(/^(pgbouncer_|vigil_pgbouncer_)/);
      else expect(m.name).toMatch(/^node_/);
    }
  });

  it('no family is declared twice', () => {
    const names = [...declared.map((m) => m.name), ...LIVE_METRICS.map((m) => m.name)];
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});
