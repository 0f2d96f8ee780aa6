import { describe, expect, it } from 'vitest';
import { apiRequest, MAX_QUERY_BYTES } from './api.ts';
import { NodeState } from './node-state.ts';
import { tickOf } from '../core/tick-output.ts';

function state(): NodeState {
  const s = new NodeState(
    { nodeName: 'n1', version: 'v', startedAt: 0, intervalMs: 10_000, detectorEnabled: true, hasRunbook: () => false },
    { ringPoints: 100, maxSeries: 50 },
  );
  for (let i = 0; i < 5; i++) {
    s.update(
      {
        ...tickOf({ timestamp: 1_000_000 + i * 10_000, samples: [] }),
        anomalies: [
          { metric: 'node_load1', labels: {}, value: i === 4 ? 40 : 1, score: i === 4 ? 0.9999 : 0.2, anomalous: i === 4 },
          { metric: 'node_memory_used_ratio', labels: {}, value: 0.5, score: 0.3, anomalous: false },
        ],
      },
      [],
      0.01,
    );
  }
  return s;
}
const NOW = 1_040_000;
const get = (path: string, query = '') => apiRequest(state(), path, query, NOW);

describe('JSON endpoints', () => {
  it('/api/v1/anomalies ranks series by score with their last hour', () => {
    const r = get('/api/v1/anomalies', 'limit=1&points=3');
    expect(r?.status).toBe(200);
    const data = (r!.body as { data: { total: number; series: Array<{ key: string; anomalous: boolean; anomalousSince: number; history: { t: number[] } }> } })
      .data;
    expect(data.total).toBe(2);
    expect(data.series).toHaveLength(1);
    expect(data.series[0]).toMatchObject({ key: 'node_load1', anomalous: true, anomalousSince: 1_040_000 });
    expect(data.series[0]!.history.t.length).toBeLessThanOrEqual(3);
  });

  it('/api/v1/series gives one series over a range', () => {
    const r = get('/api/v1/series', `key=${encodeURIComponent('node_load1')}&range=1h`);
    expect(r?.status).toBe(200);
    expect(r!.body).toMatchObject({ status: 'success', data: { key: 'node_load1', range: '1h', value: [1, 1, 1, 1, 40], anomalous: [0, 0, 0, 0, 1] } });
  });

  it('/api/v1/status has the node, detector and alerting summary', () => {
    expect(get('/api/v1/status')!.body).toMatchObject({
      status: 'success',
      data: { node: { name: 'n1', ticks: 5, lastTickAgeSeconds: 0 }, detector: { state: 'starting', monitoredSeries: 2, anomalousSeries: 1 } },
    });
  });

  it.each([
    ['/api/v1/series', 'key=nope', 404, 'not_found'],
    ['/api/v1/series', '', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&range=100y', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&range=toString', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&range=__proto__', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&points=99999999', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&points=-1', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&points=1e3', 400, 'bad_data'],
    ['/api/v1/series', 'key=node_load1&start=0', 400, 'bad_data'],
    ['/api/v1/anomalies', 'limit=0', 400, 'bad_data'],
    ['/api/v1/anomalies', 'limit=51', 400, 'bad_data'],
    ['/api/v1/status', 'x=1', 400, 'bad_data'],
    ['/api/v1/series', `key=${'a'.repeat(MAX_QUERY_BYTES)}`, 414, 'bad_data'],
    ['/api/v1/series', `key=${'a'.repeat(100 * 1024)}`, 414, 'bad_data'],
  ])('%s?%s is a clear %i', (path, query, status, errorType) => {
    const r = get(path, query);
    expect(r?.status).toBe(status);
    expect(r!.body).toMatchObject({ status: 'error', errorType });
    expect(typeof (r!.body as { error: string }).error).toBe('string');
    expect(JSON.stringify(r!.body).length).toBeLessThan(600);
  });

  it('other paths are not the API', () => {
    expect(get('/api/v1/alerts')).toBeUndefined();
    expect(get('/')).toBeUndefined();
  });
});
