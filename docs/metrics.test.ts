// Repo-wide checks of every declared metric: Prometheus naming rules, node_exporter conventions,
// no duplicate families (docs/metrics.md itself is checked with the other generated files); the
// hand-written metric tables of the other docs name declared families, with the declared type and labels.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SELF_METRICS } from '../agent/self-metrics.ts';
import { LIVE_INSTRUMENTS } from '../agent/telemetry.ts';
import { collectorList } from '../collectors/registry.ts';
import { INFERENCE_HISTOGRAM } from '../detectors/scoring/metrics.ts';
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
      else if (m.owner === 'detector' || m.owner === 'sink' || m.owner === 'web') expect(m.name).toMatch(/^vigil_/);
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

  it('documents the live instruments as the code creates them, and no others', () => {
    const live = [...Object.values(LIVE_INSTRUMENTS), { name: INFERENCE_HISTOGRAM.name, kind: 'histogram', labels: [], help: INFERENCE_HISTOGRAM.help }];
    const byName = (ms: readonly { name: string }[]) => [...ms].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName(LIVE_METRICS)).toEqual(byName(live));
  });
});

/** Rows `| \`name\` | type | …` of the docs' own metric tables, with the table's header cells. */
function docTableRows(): { file: string; name: string; kind: string; labels: string | undefined }[] {
  const files = readdirSync(new URL('./', import.meta.url), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.md') && f !== 'metrics.md');
  return files.flatMap((file) => {
    let header: string[] = [];
    const rows: { file: string; name: string; kind: string; labels: string | undefined }[] = [];
    for (const line of readFileSync(new URL(`./${file}`, import.meta.url), 'utf8').split('\n')) {
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim());
      if (cells[0] === 'metric' || cells[0] === 'family') header = cells;
      const row = /^`([a-zA-Z_:][a-zA-Z0-9_:]*)`$/.exec(cells[0] ?? '');
      if (row && (header[1] === 'type' || header[1] === 'kind'))
        rows.push({ file, name: row[1]!, kind: cells[1]!, labels: header[2] === 'labels' ? cells[2] : undefined });
    }
    return rows;
  });
}

describe('metric tables in the docs', () => {
  const families = new Map([...declared, ...LIVE_METRICS].map((m) => [m.name, m]));
  it.each(docTableRows().map((r) => [`${r.file}: ${r.name}`, r] as const))('%s is declared, with its type and labels', (_row, r) => {
    const m = families.get(r.name);
    expect(m, 'a declared family').toBeDefined();
    expect(r.kind).toBe(m!.kind);
    // Backticked label names; a table may add prose for labels that vary (ALERTS' "alert labels").
    if (r.labels !== undefined) expect([...r.labels.matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`/g)].map((x) => x[1])).toEqual(m!.labels);
  });
});
