import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import type { SeriesView } from './api.ts';
import { compileExpr } from './compile.ts';
import { HistoryFileError } from './history-file.ts';
import { HistoryStore } from './history.ts';

const tick = (t: number, values: Record<string, number>, name = 'm') => ({
  timestamp: t,
  samples: Object.entries(values).map(([s, value]) => ({ name, labels: { s }, value })),
});

const points = (v: SeriesView): Array<[number, number, boolean]> => {
  const out: Array<[number, number, boolean]> = [];
  const first = v.first ?? 0;
  for (let i = first; i < first + v.length; i++) out.push([v.times[i] as number, v.values[i] as number, (v.staleMarkers?.[i] ?? 0) !== 0]);
  return out;
};

const seriesOf = (h: HistoryStore, name = 'm'): Map<string, Array<[number, number, boolean]>> =>
  new Map([...h.seriesOf(name)].map((v) => [v.labels.s ?? '', points(v)]));

function evaluate(h: HistoryStore, expr: string, at: number): unknown {
  const c = compileExpr(expr);
  if (!c.ok) throw new Error(c.errors[0]?.message);
  return c.expr.evaluate(h, at);
}

describe('HistoryStore', () => {
  it('keeps every name a name selector accepts, for its span', () => {
    const c = compileExpr('{__name__=~"node_.*"} offset 1m');
    if (!c.ok) throw new Error(c.errors[0]?.message);
    const h = new HistoryStore({ retentionByMetric: c.expr.lookbackByMetric, nameSelectors: c.expr.nameSelectors });
    for (let t = 0; t <= 600_000; t += 60_000) {
      h.append({
        timestamp: t,
        samples: [
          { name: 'node_x', labels: {}, value: t },
          { name: 'node_y', labels: {}, value: 1 },
          { name: 'other', labels: {}, value: 2 },
        ],
      });
    }
    expect([...h.metricNames()].sort()).toEqual(['node_x', 'node_y']);
    // 5m lookback + 1m offset: the points of the last 6 minutes.
    expect([...h.seriesOf('node_x')][0]?.length).toBe(7);
    expect(evaluate(h, '{__name__=~"node_.*"} offset 1m', 600_000)).toEqual({
      kind: 'vector',
      samples: [
        { labels: { __name__: 'node_x' }, value: 540_000 },
        { labels: { __name__: 'node_y' }, value: 1 },
      ],
    });
  });

  it('keeps only referenced metric names, with __name__ in the labels', () => {
    const h = new HistoryStore({ retentionByMetric: new Map([['m', 60_000]]) });
    h.append({
      timestamp: 0,
      samples: [
        { name: 'm', labels: { s: 'a' }, value: 1 },
        { name: 'other', labels: {}, value: 2 },
      ],
    });
    expect([...h.seriesOf('other')]).toEqual([]);
    expect([...h.seriesOf('m')][0]?.labels).toEqual({ __name__: 'm', s: 'a' });
    expect(h.stats()).toMatchObject({ series: 1, points: 1 });
  });

  it('drops points older than the retention of their metric', () => {
    const h = new HistoryStore({
      retentionByMetric: new Map([
        ['m', 30_000],
        ['n', 10_000],
      ]),
    });
    for (let t = 0; t <= 100_000; t += 10_000) {
      h.append({
        timestamp: t,
        samples: [
          { name: 'm', labels: { s: 'a' }, value: t },
          { name: 'n', labels: { s: 'a' }, value: t },
        ],
      });
    }
    expect(
      seriesOf(h)
        .get('a')
        ?.map((p) => p[0]),
    ).toEqual([70_000, 80_000, 90_000, 100_000]);
    expect(
      seriesOf(h, 'n')
        .get('a')
        ?.map((p) => p[0]),
    ).toEqual([90_000, 100_000]);
  });

  it('writes one staleness marker when a series vanishes, and forgets it once nothing visible is left', () => {
    const h = new HistoryStore({ retentionByMetric: new Map([['m', 30_000]]) });
    h.append(tick(0, { a: 1, b: 1 }));
    h.append(tick(10_000, { a: 2 }));
    h.append(tick(20_000, { a: 3 }));
    expect(seriesOf(h).get('b')).toEqual([
      [0, 1, false],
      [10_000, NaN, true],
    ]);
    expect(evaluate(h, 'm', 20_000)).toEqual({ kind: 'vector', samples: [{ labels: { __name__: 'm', s: 'a' }, value: 3 }] });
    expect(evaluate(h, 'count_over_time(m{s="b"}[1m])', 20_000)).toMatchObject({ samples: [{ value: 1 }] });
    for (let t = 30_000; t <= 50_000; t += 10_000) h.append(tick(t, { a: 4 }));
    expect(seriesOf(h).has('b')).toBe(false);
    expect(h.stats().series).toBe(1);
  });

  it('bounds series and points, and counts what it drops', () => {
    const h = new HistoryStore({ retentionByMetric: new Map([['m', 3_600_000]]), maxSeries: 2, maxPointsPerSeries: 5 });
    for (let t = 0; t < 20; t++) h.append(tick(t * 1000, { a: t, b: t, c: t }));
    expect([...seriesOf(h).keys()].sort()).toEqual(['a', 'b']);
    expect(
      seriesOf(h)
        .get('a')
        ?.map((p) => p[1]),
    ).toEqual([15, 16, 17, 18, 19]);
    const s = h.stats();
    expect(s.droppedSamples).toBe(20);
    expect(s.droppedPoints).toBe(2 * 15);
    h.append(tick(5_000, { a: 99 }));
    expect(h.stats().droppedPoints).toBe(2 * 15 + 1);
  });

  describe('persistence', () => {
    let dir = '';
    beforeEach(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'vigil-history-'));
    });
    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('predict_linear over 6 h answers the same after a restart', async () => {
      const expr = 'predict_linear(node_filesystem_avail_bytes[6h], 4 * 3600)';
      const c = compileExpr(expr);
      if (!c.ok) throw new Error('compile');
      const retention = c.expr.lookbackByMetric;
      const h = new HistoryStore({ retentionByMetric: retention });
      const step = 10_000;
      const end = 7 * 3600_000;
      for (let t = 0; t <= end; t += step) {
        h.append({ timestamp: t, samples: [{ name: 'node_filesystem_avail_bytes', labels: { mountpoint: '/' }, value: 5e10 - t * 1.5 + (t % 70_000) }] });
      }
      const before = c.expr.evaluate(h, end);
      const file = path.join(dir, 'history.bin');
      await h.save(file);
      const restarted = new HistoryStore({ retentionByMetric: retention });
      expect(await restarted.load(file)).toBe(true);
      expect(c.expr.evaluate(restarted, end)).toEqual(before);
      expect(before).toMatchObject({ kind: 'vector', samples: [{ labels: { mountpoint: '/' } }] });
      expect(restarted.stats().points).toBe(h.stats().points);
      expect(h.stats().points).toBe(6 * 360 + 1);
    });

    it('joins restored series with the same series collected live: no duplicates, continuous rate()', async () => {
      const expr = 'rate(node_network_receive_errs_total[2m]) / rate(node_network_receive_packets_total[2m])';
      const c = compileExpr(expr);
      if (!c.ok) throw new Error('compile');
      const retention = c.expr.lookbackByMetric;
      const at = (t: number) => ({
        timestamp: t,
        samples: [
          { name: 'node_network_receive_errs_total', labels: { device: 'lo' }, value: t / 1000 },
          { name: 'node_network_receive_packets_total', labels: { device: 'lo' }, value: t / 10 },
        ],
      });
      const continuous = new HistoryStore({ retentionByMetric: retention });
      const before = new HistoryStore({ retentionByMetric: retention });
      for (let t = 0; t <= 300_000; t += 10_000) {
        continuous.append(at(t));
        before.append(at(t));
      }
      const file = path.join(dir, 'history.bin');
      await before.save(file);
      const after = new HistoryStore({ retentionByMetric: retention });
      await after.load(file);
      for (let t = 310_000; t <= 400_000; t += 10_000) {
        continuous.append(at(t));
        after.append(at(t));
        // Every evaluation across the restart answers, and answers as if there had been none.
        expect(c.expr.evaluate(after, t)).toEqual(c.expr.evaluate(continuous, t));
      }
      expect(after.stats().series).toBe(2);
      expect(after.stats().points).toBe(continuous.stats().points);
    });

    it('a restored series has the key of the same series collected live, for any label set (property)', async () => {
      let seed = 42;
      const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
      const alphabet = ['a', 'b', 'device', 'mountpoint', 'le', 'x_y', 'Z', '__meta'];
      const values = ['', 'eth0', 'lo', '/', 'a b', 'ü', '"q"', '\\', 'x\ny'];
      for (let round = 0; round < 50; round++) {
        const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
        const seen = new Set<string>();
        for (let i = 0; i < 20; i++) {
          const labels: Record<string, string> = {};
          for (let j = rnd(4); j > 0; j--) labels[alphabet[rnd(alphabet.length)]!] = values[rnd(values.length)]!;
          const name = `m${rnd(3)}`;
          const id = name + JSON.stringify(Object.entries(labels).sort());
          if (seen.has(id)) continue;
          seen.add(id);
          samples.push({ name, labels, value: i });
        }
        const retention = new Map([
          ['m0', 600_000],
          ['m1', 600_000],
          ['m2', 600_000],
        ]);
        const h = new HistoryStore({ retentionByMetric: retention });
        h.append({ timestamp: 0, samples });
        const file = path.join(dir, `p${round}`);
        await h.save(file);
        const r = new HistoryStore({ retentionByMetric: retention });
        await r.load(file);
        r.append({ timestamp: 10_000, samples });
        expect(r.stats().series).toBe(samples.length);
        expect(r.stats().points).toBe(2 * samples.length);
      }
    });

    it('keeps staleness markers across a restart', async () => {
      const h = new HistoryStore({ retentionByMetric: new Map([['m', 600_000]]) });
      h.append(tick(0, { a: 1, b: 2 }));
      h.append(tick(10_000, { a: 1 }));
      const file = path.join(dir, 'h');
      await h.save(file);
      const r = new HistoryStore({ retentionByMetric: new Map([['m', 600_000]]) });
      await r.load(file);
      expect(seriesOf(r)).toEqual(seriesOf(h));
    });

    it('reports a missing file as no history, and a corrupt one with its code, keeping nothing', async () => {
      const h = new HistoryStore({ retentionByMetric: new Map([['m', 600_000]]) });
      expect(await h.load(path.join(dir, 'none'))).toBe(false);
      for (let t = 0; t < 5; t++) h.append(tick(t * 1000, { a: t }));
      const file = path.join(dir, 'h');
      await h.save(file);
      const good = await readFile(file);
      const corruptions = [good.subarray(0, good.length - 9), Buffer.concat([good, Buffer.from('x')]), Buffer.from('{"not":"history"}')];
      const flipped = Buffer.from(good);
      flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 1;
      corruptions.push(flipped);
      for (const bad of corruptions) {
        await writeFile(file, bad);
        const r = new HistoryStore({ retentionByMetric: new Map([['m', 600_000]]) });
        const err = await r.load(file).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(HistoryFileError);
        expect((err as HistoryFileError).code).toBe(ErrorCode.ALERT_STATE_IO);
        expect((err as Error).message).toContain(file);
        expect(r.stats().series).toBe(0);
      }
    });

    it('leaves the previous file whole when it cannot write (temp file, then rename)', async () => {
      const h = new HistoryStore({ retentionByMetric: new Map([['m', 600_000]]) });
      h.append(tick(0, { a: 1 }));
      // A directory where the file should be: the final rename cannot replace it.
      const file = path.join(dir, 'occupied');
      await mkdir(path.join(file, 'inside'), { recursive: true });
      await expect(h.save(file)).rejects.toBeInstanceOf(HistoryFileError);
      expect(await readdir(dir)).toEqual(['occupied']);
    });
  });
});

describe('history metrics', () => {
  it('reports the store figures under the declared names', async () => {
    const { HISTORY_METRICS, historySamples } = await import('./history-metrics.ts');
    const h = new HistoryStore({ retentionByMetric: new Map([['m', 60_000]]), maxSeries: 1 });
    h.append(tick(0, { a: 1, b: 2 }));
    const samples = historySamples(h.stats());
    expect(samples.map((s) => s.name)).toEqual(HISTORY_METRICS.map((m) => m.name));
    expect(Object.fromEntries(samples.map((s) => [s.name, s.value]))).toEqual({
      vigil_rule_history_series: 1,
      vigil_rule_history_points: 1,
      vigil_rule_history_dropped_samples_total: 1,
      vigil_rule_history_dropped_points_total: 0,
    });
  });
});
