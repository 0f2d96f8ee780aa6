import { describe, expect, it } from 'vitest';
import { windowsOf } from './event-metrics.ts';
import { SYNTHETIC_ANOMALIES, SYNTHETIC_BASES, syntheticCorpus } from './synthetic.ts';

describe('the synthetic corpus', () => {
  const corpus = syntheticCorpus(1);

  it('is the same for the same seed, and another for another seed', () => {
    expect(syntheticCorpus(1)[17]!.values).toEqual(corpus[17]!.values);
    expect(syntheticCorpus(2)[17]!.values).not.toEqual(corpus[17]!.values);
  });

  it('has every normal behaviour with every anomaly kind, one or two labelled anomalies after row 900, none in "none"', () => {
    expect(corpus).toHaveLength(SYNTHETIC_BASES.length * (SYNTHETIC_ANOMALIES.length + 1) * 2);
    for (const s of corpus) {
      const w = windowsOf(s.labels);
      if (s.rel.includes('/none-')) expect(w).toEqual([]);
      else {
        expect(w.length === 1 || w.length === 2).toBe(true);
        for (const x of w) expect(x.start).toBeGreaterThanOrEqual(900);
      }
    }
  });

  it('injects what the label says: a flatline repeats one value, an outage is 0', () => {
    const flat = corpus.find((s) => s.rel === 'noise/flatline-0.csv')!;
    const a = windowsOf(flat.labels)[0]!.start;
    for (let i = a; i < a + 150; i++) expect(flat.values[i]).toBe(flat.values[a]);
    const outage = corpus.find((s) => s.rel === 'daily/outage-0.csv')!;
    const b = windowsOf(outage.labels)[0]!.start;
    for (let i = b; i < b + 20; i++) expect(outage.values[i]).toBe(0);
  });
});
