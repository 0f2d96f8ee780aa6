// Child process of the node page bench (run with --expose-gc): memory added by the node page's rings
// filled to capacity, as RSS and as ArrayBuffer bytes. `control` runs the same ticks into rings of 2
// points, so that RSS(full) − RSS(control) is the rings' own cost, not the heap churn of feeding them.
// Prints one JSON line. Usage: node --expose-gc bench/node-page-rss.ts <series> <points> [control]
import { SeriesRings } from '../web/series-rings.ts';
import type { AnomalyScore } from '../core/tick-output.ts';

const [series, points] = process.argv.slice(2, 4).map(Number) as [number, number];
const control = process.argv[4] === 'control';
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc');
// As the detector does: one labels object per series, reused every tick; a fresh score object per tick.
const labels = Array.from({ length: series }, (_, i) => Object.freeze({ device: `dev${i}` }));
const measure = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, arrayBuffers: m.arrayBuffers };
};
const before = measure();
const rings = new SeriesRings(control ? 2 : points, 4096);
for (let t = 0; t < points; t++) {
  const anomalies: AnomalyScore[] = labels.map((l, i) => ({ metric: `node_series_${i % 16}`, labels: l, value: i + t, score: 0.5, anomalous: false }));
  rings.record(t * 10_000, anomalies);
}
const after = measure();
process.stdout.write(
  `${JSON.stringify({ rssBytes: after.rss - before.rss, arrayBufferBytes: after.arrayBuffers - before.arrayBuffers, arrayBytes: rings.arrayBytes(), size: rings.size })}\n`,
);
