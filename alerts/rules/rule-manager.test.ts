// The rule manager's groups: keyed by file and name (as Prometheus' GroupKey), recording rules
// written into the history in file order, with staleness per rule and export on request.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Sample } from '../../core/samples.ts';
import type { VectorSample } from '../engine/api.ts';
import { HistoryStore } from '../engine/history.ts';
import type { LoadedGroup, LoadedRule } from './load-rules.ts';
import { RuleManager, type RuleManagerOptions } from './rule-manager.ts';
import { fakeRule } from './testing/fake-rule.ts';

const opts = (over: Partial<RuleManagerOptions> = {}): RuleManagerOptions => ({
  evaluationIntervalMs: 10_000,
  externalLabels: {},
  externalURL: 'http://n1:9464',
  runbookBase: 'http://n1:9464/runbooks',
  logger: pino({ level: 'silent' }),
  ...over,
});

const group = (file: string, name: string, rules: LoadedRule[]): LoadedGroup => ({ file, name, intervalMs: undefined, limit: 0, rules });

function recording(
  record: string,
  result: (at: number, history: import('../engine/api.ts').HistoryReader) => VectorSample[],
  labels: Record<string, string> = {},
): LoadedRule {
  const r = fakeRule({ alert: record, result });
  return { ...r, def: { ...r.def, kind: 'record', labels }, labels: [], annotations: [] };
}

const find = (samples: readonly Sample[], name: string) => samples.filter((s) => s.name === name);

describe('rule groups keyed by file and name', () => {
  it('two files with a group of the same name are two groups: own series, own alert state', () => {
    const fires = (v: number) => () => [{ labels: { __name__: 'x' }, value: v }];
    const mgr = new RuleManager(
      [
        group('/etc/a.rules.yml', 'node', [fakeRule({ alert: 'X', result: fires(1) })]),
        group('/etc/b.rules.yml', 'node', [fakeRule({ alert: 'X', result: fires(2), forMs: 60_000 })]),
      ],
      opts(),
    );
    const history = new HistoryStore({ retentionByMetric: new Map() });
    mgr.evaluate(history, 0);
    const samples = mgr.samples();
    expect(find(samples, 'vigil_rule_group_rules').map((s) => [s.labels.rule_group, s.value])).toEqual([
      ['/etc/a.rules.yml;node', 1],
      ['/etc/b.rules.yml;node', 1],
    ]);
    expect(find(samples, 'vigil_rule_evaluations_total').map((s) => s.value)).toEqual([1, 1]);
    const state = mgr.snapshotState();
    expect([...state.keys()]).toEqual(['/etc/a.rules.yml;node/X', '/etc/b.rules.yml;node/X']);
    expect([...state.values()].map((list) => list.map((a) => a.state))).toEqual([['firing'], ['pending']]);

    // Restored into a fresh manager, each file's rule gets its own alerts back.
    const again = new RuleManager(
      [
        group('/etc/a.rules.yml', 'node', [fakeRule({ alert: 'X', result: fires(1) })]),
        group('/etc/b.rules.yml', 'node', [fakeRule({ alert: 'X', result: fires(2), forMs: 60_000 })]),
      ],
      opts(),
    );
    expect(again.restore(state)).toBe(2);
    expect(again.alerts().map((a) => a.state)).toEqual(['firing', 'pending']);

    // A state file from before groups were keyed by file (keys "group/alert") still restores.
    const old = new Map([['node/X', state.get('/etc/a.rules.yml;node/X')!]]);
    const upgraded = new RuleManager([group('/etc/a.rules.yml', 'node', [fakeRule({ alert: 'X', result: fires(1) })])], opts());
    expect(upgraded.restore(old)).toBe(1);
  });
});

describe('recording rules in the manager', () => {
  it('write in file order (the next rule reads this evaluation, an earlier one the previous), mark vanished series stale, export on request', () => {
    const reads: Array<[number, number | undefined]> = [];
    const readA = (at: number, h: import('../engine/api.ts').HistoryReader): VectorSample[] => {
      let latest: number | undefined;
      for (const s of h.seriesOf('a:rec'))
        for (let i = 0; i < s.length; i++) if ((s.times[i] as number) <= at && (s.staleMarkers?.[i] ?? 0) === 0) latest = s.values[i] as number;
      reads.push([at, latest]);
      return latest === undefined ? [] : [{ labels: { __name__: 'a:rec' }, value: latest }];
    };
    let present = true;
    const rules = [
      recording('before:a', readA),
      recording('a:rec', (at) => (present ? [{ labels: { __name__: 'src', k: 'v' }, value: at / 1000 }] : []), { team: 'db', k: '' }),
      recording('after:a', readA),
    ];
    const names = new Set(['before:a', 'a:rec', 'after:a']);
    const history = new HistoryStore({ retentionByMetric: new Map([...names].map((n) => [n, 600_000] as const)), recordedNames: names });
    const mgr = new RuleManager([group('r.yml', 'g', rules)], opts({ exportRecordedSeries: true }));
    history.append({ timestamp: 10_000, samples: [] });
    mgr.evaluate(history, 10_000);
    history.append({ timestamp: 20_000, samples: [] });
    mgr.evaluate(history, 20_000);
    // before:a saw nothing at 10 s and the 10 s value at 20 s; after:a saw each evaluation's own value.
    expect(reads).toEqual([
      [10_000, undefined],
      [10_000, 10],
      [20_000, 10],
      [20_000, 20],
    ]);
    expect(find(mgr.samples(), 'a:rec')).toEqual([{ name: 'a:rec', labels: { team: 'db' }, value: 20, kind: 'gauge' }]);
    present = false;
    history.append({ timestamp: 30_000, samples: [] });
    mgr.evaluate(history, 30_000);
    const series = [...history.seriesOf('a:rec')][0]!;
    expect(series.length).toBe(3);
    expect(series.staleMarkers?.[series.length - 1]).toBe(1);
    expect(find(mgr.samples(), 'a:rec')).toEqual([]);
    // Not exported unless asked.
    expect(find(new RuleManager([group('r.yml', 'g', rules)], opts()).samples(), 'a:rec')).toEqual([]);
  });

  it('after a restart, a rule takes over its restored series: one it no longer returns goes stale', async () => {
    const { mkdtemp, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'vigil-recorded-'));
    const names = new Set(['r:x']);
    const retention = new Map([['r:x', 600_000]]);
    let keys = ['a', 'b'];
    const rules = () => [recording('r:x', () => keys.map((k) => ({ labels: { k }, value: 1 })))];
    const before = new HistoryStore({ retentionByMetric: retention, recordedNames: names });
    new RuleManager([group('r.yml', 'g', rules())], opts()).evaluate(before, 10_000);
    await before.save(path.join(dir, 'h.bin'));
    const after = new HistoryStore({ retentionByMetric: retention, recordedNames: names });
    expect(await after.load(path.join(dir, 'h.bin'))).toBe(true);
    keys = ['a'];
    after.append({ timestamp: 20_000, samples: [] });
    new RuleManager([group('r.yml', 'g', rules())], opts()).evaluate(after, 20_000);
    const byKey = new Map([...after.seriesOf('r:x')].map((s) => [s.labels.k, s]));
    expect(byKey.get('a')?.length).toBe(2);
    const b = byKey.get('b')!;
    expect([b.length, b.staleMarkers?.[(b.first ?? 0) + b.length - 1]]).toEqual([2, 1]);
    await rm(dir, { recursive: true, force: true });
  });

  it('a duplicate label set after the rule labels fails the rule and writes nothing', () => {
    const rules = [
      recording(
        'dup:rec',
        () => [
          { labels: { __name__: 'a', k: '1' }, value: 1 },
          { labels: { __name__: 'a', k: '2' }, value: 2 },
        ],
        { k: 'same' },
      ),
    ];
    const history = new HistoryStore({ retentionByMetric: new Map([['dup:rec', 600_000]]), recordedNames: new Set(['dup:rec']) });
    const mgr = new RuleManager([group('r.yml', 'g', rules)], opts());
    mgr.evaluate(history, 10_000);
    expect(find(mgr.samples(), 'vigil_rule_evaluation_failures_total')[0]!.value).toBe(1);
    expect([...history.seriesOf('dup:rec')]).toEqual([]);
  });

  it('a group limit fails a recording rule with more series', () => {
    const rules = [
      recording('many:rec', () => [
        { labels: { k: '1' }, value: 1 },
        { labels: { k: '2' }, value: 2 },
      ]),
    ];
    const mgr = new RuleManager([{ ...group('r.yml', 'g', rules), limit: 1 }], opts());
    mgr.evaluate(new HistoryStore({ retentionByMetric: new Map() }), 10_000);
    expect(find(mgr.samples(), 'vigil_rule_evaluation_failures_total')[0]!.value).toBe(1);
  });
});
