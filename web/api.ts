// The node page's JSON endpoints, in Prometheus' JSON style ({status:"success",data} or
// {status:"error",errorType,error}). Pure: a path and query string in, a status code and body out,
// so every bad input has a test and a clear 4xx:
//   GET /api/v1/status                     node, detector, alerts (active, resolved in the last hour), collectors, PostgreSQL
//   GET /api/v1/anomalies?limit=&points=   monitored series by current score, each with its last hour downsampled
//   GET /api/v1/series?key=&range=&points= one series' values, scores and anomaly marks over 1h or 6h (the ring's reach)
import type { NodeState } from './node-state.ts';

/** Query strings longer than this are refused (414) before they are parsed. */
export const MAX_QUERY_BYTES = 4096;
/** The ranges a chart offers; anything else is refused. */
const RANGES: Readonly<Record<string, number>> = { '15m': 15 * 60_000, '1h': 60 * 60_000, '6h': 6 * 60 * 60_000 };
const MAX_POINTS = 2000;
const SPARK_POINTS = 60;
const DEFAULT_LIMIT = 30;

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
}

const API_PATHS = ['/api/v1/status', '/api/v1/anomalies', '/api/v1/series'] as const;

const error = (status: number, errorType: string, message: string): ApiResponse => ({ status, body: { status: 'error', errorType, error: message } });
const success = (data: unknown): ApiResponse => ({ status: 200, body: { status: 'success', data } });

/** An integer parameter in [min, max], its default when absent, or an error message. */
function intParam(q: URLSearchParams, name: string, min: number, max: number, dflt: number): number | string {
  const raw = q.get(name);
  if (raw === null) return dflt;
  if (!/^\d{1,6}$/.test(raw)) return `${name} must be an integer between ${min} and ${max}`;
  const n = Number(raw);
  return n < min || n > max ? `${name} must be an integer between ${min} and ${max}` : n;
}

/** Refuses parameters an endpoint does not know (a typo is an error, not a silent default). */
function unknownParam(q: URLSearchParams, known: readonly string[]): string | undefined {
  for (const k of q.keys()) if (!known.includes(k)) return `unknown parameter "${k.slice(0, 40)}" (expected: ${known.join(', ') || 'none'})`;
  return undefined;
}

/** Answers one API request; undefined when the path is not an API path. `query` is the raw text after "?". */
export function apiRequest(state: NodeState, path: string, query: string, now: number): ApiResponse | undefined {
  if (!(API_PATHS as readonly string[]).includes(path)) return undefined;
  if (query.length > MAX_QUERY_BYTES) return error(414, 'bad_data', `query string longer than ${MAX_QUERY_BYTES} bytes`);
  let q: URLSearchParams;
  try {
    q = new URLSearchParams(query);
  } catch {
    return error(400, 'bad_data', 'query string cannot be parsed');
  }
  switch (path) {
    case '/api/v1/status': {
      const bad = unknownParam(q, []);
      return bad !== undefined ? error(400, 'bad_data', bad) : success(state.status(now));
    }
    case '/api/v1/anomalies': {
      const bad = unknownParam(q, ['limit', 'points']);
      if (bad !== undefined) return error(400, 'bad_data', bad);
      const limit = intParam(q, 'limit', 1, state.rings.maxSeries, Math.min(DEFAULT_LIMIT, state.rings.maxSeries));
      const points = intParam(q, 'points', 2, 500, SPARK_POINTS);
      if (typeof limit === 'string') return error(400, 'bad_data', limit);
      if (typeof points === 'string') return error(400, 'bad_data', points);
      const ranked = state.rings.ranked();
      const from = now - RANGES['1h']!;
      return success({
        total: ranked.length,
        series: ranked.slice(0, limit).map((s) => ({ ...s, history: state.rings.points(s.key, from, points) })),
      });
    }
    default: {
      const bad = unknownParam(q, ['key', 'range', 'points']);
      if (bad !== undefined) return error(400, 'bad_data', bad);
      const key = q.get('key');
      if (key === null || key === '') return error(400, 'bad_data', 'key is required (a series key as /api/v1/anomalies lists it)');
      const range = q.get('range') ?? '1h';
      const span = RANGES[range];
      if (span === undefined || !Object.hasOwn(RANGES, range)) return error(400, 'bad_data', `range must be one of ${Object.keys(RANGES).join(', ')}`);
      const points = intParam(q, 'points', 2, MAX_POINTS, 720);
      if (typeof points === 'string') return error(400, 'bad_data', points);
      const data = state.rings.points(key, now - span, points);
      if (data === undefined) return error(404, 'not_found', `no monitored series with key ${JSON.stringify(key.slice(0, 200))}`);
      return success({ key, range, ...data });
    }
  }
}
