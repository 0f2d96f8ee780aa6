import { describe, expect, it } from 'vitest';
import type { Alert, TickOutput } from '../core/tick-output.ts';
import { tickOf } from '../core/tick-output.ts';
import { NodePageService } from './node-page.ts';
import { RESOLVED_KEEP_MS } from './node-state.ts';

const info = { nodeName: 'n<1>', version: 'v', startedAt: 0, intervalMs: 1000, detectorEnabled: true, hasRunbook: (n: string) => n === 'PostgresDown' };
const config = { enabled: true, points: 60, maxSeries: 10, faroUrl: '' };
const alert = (name: string, state: Alert['state'], extra: Partial<Alert> = {}): Alert => ({
  labels: { alertname: name, severity: 'critical', target: 'db' },
  annotations: { summary: 'PostgreSQL <down>', runbook_url: 'javascript:alert(1)' },
  state,
  activeAt: 1000,
  value: 0,
  generatorURL: '',
  ...extra,
});
const tick = (timestamp: number, alerts: Alert[], rest: Partial<TickOutput> = {}): TickOutput => ({ ...tickOf({ timestamp, samples: [] }), alerts, ...rest });

describe('NodePageService', () => {
  it('lists active alerts with this agent runbook, never an unsafe runbook_url', () => {
    const s = new NodePageService(config, info);
    s.update(tick(2000, [alert('PostgresDown', 'firing', { firedAt: 1500 }), alert('Other', 'pending')]), [], 0.01);
    const body = JSON.parse(s.handle('/api/v1/status', '', 3000)!.body) as {
      data: { alerts: { active: Array<{ alertname: string; runbook?: string; state: string }> } };
    };
    expect(body.data.alerts.active.map((a) => [a.alertname, a.state, a.runbook])).toEqual([
      ['PostgresDown', 'firing', '/runbooks/PostgresDown'],
      ['Other', 'pending', undefined],
    ]);
  });

  it('remembers resolved alerts for an hour', () => {
    const s = new NodePageService(config, info);
    const firing = alert('PostgresDown', 'firing', { firedAt: 1500 });
    s.update(tick(2000, [firing]), [], 0);
    s.update(
      tick(3000, [], { alertTransitions: [{ alert: { ...firing, state: 'inactive', resolvedAt: 3000 }, from: 'firing', to: 'inactive', at: 3000 }] }),
      [],
      0,
    );
    const resolved = () => (JSON.parse(s.handle('/api/v1/status', '', 3000)!.body) as { data: { alerts: { resolved: unknown[] } } }).data.alerts.resolved;
    expect(resolved()).toHaveLength(1);
    s.update(tick(3000 + RESOLVED_KEEP_MS + 1, []), [], 0);
    expect(resolved()).toHaveLength(0);
  });

  it('renders the runbook state block escaped: firing, resolved, inactive', () => {
    const s = new NodePageService(config, info);
    expect(s.runbookState('PostgresDown', 0)).toContain('data-state="inactive"');
    s.update(tick(2000, [alert('PostgresDown', 'firing', { firedAt: 1500 })]), [], 0);
    const html = s.runbookState('PostgresDown', 5000);
    expect(html).toContain('data-state="firing"');
    expect(html).toContain('<strong>firing</strong>');
    expect(html).toContain('PostgreSQL &lt;down&gt;');
    expect(html).toContain('n&lt;1&gt;');
    expect(html).toContain('<a href="/">');
  });

  it('serves / with its CSP and reports ring memory', () => {
    const s = new NodePageService(config, info);
    const page = s.handle('/', '', 0)!;
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(s.handle('/metrics', '', 0)).toBeUndefined();
    s.update(tick(1000, [], { anomalies: [{ metric: 'm', labels: {}, value: 1, score: 0.1, anomalous: false }] }), [], 0);
    const byName = Object.fromEntries(
      s
        .samples()
        .filter((x) => x.name.startsWith('vigil_node_page'))
        .map((x) => [x.name, x.value]),
    );
    expect(byName).toEqual({ vigil_node_page_series: 1, vigil_node_page_ring_bytes: 60 * 8 + 60 * 9, vigil_node_page_series_dropped_total: 0 });
  });

  it('reads PostgreSQL targets, detector state and collector health from the tick', () => {
    const s = new NodePageService(config, info);
    const g = (name: string, labels: Record<string, string>, value: number) => ({ name, labels, value, kind: 'gauge' as const });
    const samples = [
      g('vigil_detector_up', {}, 1),
      g('vigil_detector_series', { state: 'warming_up' }, 3),
      g('pg_up', { target: 'primary' }, 1),
      g('pg_replication_is_replica', { target: 'primary' }, 0),
      g('vigil_pg_replication_standbys_connected', { target: 'primary' }, 1),
      g('vigil_pg_replication_standbys_expected', { target: 'primary' }, 2),
      g('pg_up', { target: 'standby' }, 1),
      g('pg_replication_is_replica', { target: 'standby' }, 1),
      g('pg_replication_lag_seconds', { target: 'standby' }, 4.5),
      g('vigil_pg_wal_receiver_up', { target: 'standby' }, 0),
    ];
    s.update(
      { ...tickOf({ timestamp: 1000, samples }) },
      [{ name: 'cpu', success: false, durationSeconds: 0.002, lastError: 'timed out after 5000 ms', lastErrorAt: 900 }],
      0.01,
    );
    const data = (JSON.parse(s.handle('/api/v1/status', '', 1000)!.body) as { data: Record<string, unknown> }).data;
    expect(data.detector).toEqual({ state: 'up', monitoredSeries: 0, anomalousSeries: 0, warmingUpSeries: 3 });
    expect(data.postgres).toEqual([
      { target: 'primary', up: true, role: 'primary', standbysConnected: 1, standbysExpected: 2 },
      { target: 'standby', up: true, role: 'standby', lagSeconds: 4.5, receiverUp: false },
    ]);
    expect(data.collectors).toEqual([{ name: 'cpu', success: false, durationSeconds: 0.002, lastError: 'timed out after 5000 ms', lastErrorAt: 900 }]);
  });
});
