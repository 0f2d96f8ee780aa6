// The soak's section is carried over by `npm run bench` and replaced by `npm run bench:soak` alone;
// its growth figures come from a least-squares fit after warm-up.
import { describe, expect, it } from 'vitest';
import { growthOf, keptSection, replaceSection, slope, SOAK_TITLE, type SoakRun, type SoakSample } from './soak-report.ts';

const doc = ['# Vigil benchmarks', '', '## Machine', '', 'm', '', `## ${SOAK_TITLE}`, '', 'old soak', 'line 2', '', '## Later', '', 'x', ''].join('\n');

describe('the Soak section', () => {
  it('is kept verbatim and replaced alone', () => {
    expect(keptSection(doc)).toBe('old soak\nline 2');
    const replaced = replaceSection(doc, 'new soak');
    expect(keptSection(replaced)).toBe('new soak');
    expect(replaced.replace('new soak', 'old soak\nline 2')).toBe(doc);
  });

  it('is appended when missing, and is absent from a document without it', () => {
    const bare = '# Vigil benchmarks\n\n## Machine\n\nm\n';
    expect(keptSection(bare)).toBeUndefined();
    expect(replaceSection(bare, 'body')).toBe(`${bare}\n## ${SOAK_TITLE}\n\nbody\n`);
  });
});

describe('growth after warm-up', () => {
  it('fits a slope and measures from the sample nearest the end of warm-up', () => {
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBeCloseTo(2);
    // RSS climbs 6 MB in warm-up, then 1 MB per 10 minutes.
    const samples = [0, 300, 600, 1200, 1800, 2400, 3000, 3600].map((t): SoakSample => {
      const rss = 100e6 + (t < 600 ? t * 1e4 : 6e6 + (t - 600) * (1e6 / 600));
      return { t, rssBytes: rss, anonBytes: rss / 2, peakRssBytes: rss, heapBytes: 30e6, series: 1, devices: 1, ticks: 1, overruns: 0, cpuSeconds: 0 };
    });
    const g = growthOf({ samples, warmSeconds: 600 } as unknown as SoakRun, 'rssBytes');
    expect(g.atWarm).toBe(106e6);
    expect(g.growth).toBeCloseTo(5e6);
    expect(g.perHour).toBeCloseTo(6e6);
    expect(g.fittedRise).toBeCloseTo(5e6);
  });
});
