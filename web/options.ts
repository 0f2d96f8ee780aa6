// The `nodePage:` config section: the node page (GET /) and its JSON endpoints.
import { z } from 'zod';

export const nodePageOptions = z.strictObject({
  /** Serve the node page and /api/v1/{status,anomalies,series}; off leaves / as a list of links. */
  enabled: z.boolean().default(true),
  /** Ticks kept per monitored series (value and score): 2160 is 6 h at the default 10 s interval. Memory: 9 bytes × points × series. */
  points: z.number().int().min(10).max(20_000).default(2160),
  /** Monitored series kept at most; more are not charted (counted in vigil_node_page_series_dropped_total). */
  maxSeries: z.number().int().min(1).max(4096).default(512),
  /** Where the pages send Faro telemetry; empty means the agent's own /faro/collect. E.g. Grafana Alloy's faro.receiver: http://alloy:12347/collect. */
  faroUrl: z
    .string()
    .default('')
    .refine((s) => s === '' || /^https?:\/\/[^\s/]+/.test(s), { message: 'expected an http(s) URL, e.g. "http://alloy:12347/collect", or empty' }),
});

export type NodePageConfig = z.infer<typeof nodePageOptions>;
