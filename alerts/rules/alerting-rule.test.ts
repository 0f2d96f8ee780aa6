// Prometheus' alert state machine, driven by hand: the result series of each evaluation is given.
import { describe, expect, it } from 'vitest';
import type { VectorSample } from '../engine/api.ts';
import { AlertingRule, DuplicateLabelsetError, RESOLVED_RETENTION_MS } from './alerting-rule.ts';
import { fakeRule } from './testing/fake-rule.ts';

const S = 1000;
const M = 60 * S;
const ctx = { externalLabels: { node: 'n1' }, externalURL: 'http://n1:9464', runbookUrl: 'http://n1:9464/runbooks/HighLoad' };
const series = (value: number, labels: Record<string, string> = { instance: 'a' }): VectorSample => ({ labels: { __name__: 'load', ...labels }, value });

function rule(opts: Parameters<typeof fakeRule>[0] = {}): AlertingRule {
  return new AlertingRule(fakeRule({ alert: 'HighLoad', ...opts }), ctx);
}

describe('alert states', () => {
  it('pending on first result, firing once held for `for`, with labels, annotations and runbook_url', () => {
    const r = rule({ forMs: 2 * M, labels: { severity: 'warning' }, annotations: { summary: 'load is {{ $value }} on {{ $labels.instance }}' } });
    expect(r.eval([series(3)], 0).map((c) => `${c.from}->${c.to}`)).toEqual(['inactive->pending']);
    const [a] = [...r.active.values()];
    expect(a!.labels).toEqual({ instance: 'a', severity: 'warning', alertname: 'HighLoad' });
    expect(a!.annotations).toEqual({ summary: 'load is 3 on a', runbook_url: 'http://n1:9464/runbooks/HighLoad' });
    expect(r.eval([series(4)], 1 * M)).toEqual([]);
    expect(a!.annotations.summary).toBe('load is 4 on a');
    expect(a!.activeAt).toBe(0);
    const changes = r.eval([series(5)], 2 * M);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['pending->firing']);
    expect(a!.state).toBe('firing');
    expect(a!.firedAt).toBe(2 * M);
  });

  it('for: 0 fires at once', () => {
    const r = rule();
    expect(r.eval([series(1)], 0).map((c) => c.to)).toEqual(['pending', 'firing']);
  });

  it('a pending alert whose series vanishes is dropped, not resolved', () => {
    const r = rule({ forMs: 5 * M });
    r.eval([series(1)], 0);
    const changes = r.eval([], 10 * S);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['pending->inactive']);
    expect(r.active.size).toBe(0);
  });

  it('a firing alert resolves, is kept for 15 minutes, then forgotten', () => {
    const r = rule();
    r.eval([series(1)], 0);
    const changes = r.eval([], 30 * S);
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['firing->inactive']);
    const a = [...r.active.values()][0]!;
    expect(a.state).toBe('inactive');
    expect(a.resolvedAt).toBe(30 * S);
    r.eval([], 30 * S + RESOLVED_RETENTION_MS);
    expect(r.active.size).toBe(1);
    r.eval([], 30 * S + RESOLVED_RETENTION_MS + 1);
    expect(r.active.size).toBe(0);
  });

  it('a series that comes back after resolving starts a new alert (new activeAt)', () => {
    const r = rule({ forMs: M });
    r.eval([series(1)], 0);
    r.eval([series(1)], M);
    r.eval([], 2 * M);
    expect(r.eval([series(1)], 3 * M).map((c) => c.to)).toEqual(['pending']);
    expect([...r.active.values()][0]!.activeAt).toBe(3 * M);
  });

  it('keep_firing_for keeps a firing alert firing after its series vanished, then resolves', () => {
    const r = rule({ keepFiringForMs: 2 * M });
    r.eval([series(1)], 0);
    expect(r.eval([], 1 * M)).toEqual([]);
    const a = [...r.active.values()][0]!;
    expect(a.state).toBe('firing');
    expect(a.keepFiringSince).toBe(1 * M);
    expect(r.eval([], 2 * M + 59 * S)).toEqual([]);
    expect(r.eval([], 3 * M).map((c) => c.to)).toEqual(['inactive']);
    expect(a.resolvedAt).toBe(3 * M);
  });

  it('keep_firing_for restarts when the series returns in between', () => {
    const r = rule({ keepFiringForMs: 2 * M });
    r.eval([series(1)], 0);
    r.eval([], 1 * M);
    r.eval([series(1)], 2 * M);
    const a = [...r.active.values()][0]!;
    expect(a.keepFiringSince).toBeUndefined();
    expect(r.eval([], 3 * M)).toEqual([]);
    expect(r.eval([], 4 * M + 59 * S)).toEqual([]);
    expect(a.state).toBe('firing');
  });

  it('one alert per label set; identical label sets after the rule labels are an error', () => {
    const r = rule();
    r.eval([series(1, { instance: 'a' }), series(2, { instance: 'b' })], 0);
    expect(r.active.size).toBe(2);
    const dup = rule({ labels: { instance: 'same' } });
    expect(() => dup.eval([series(1, { instance: 'a' }), series(2, { instance: 'b' })], 0)).toThrow(DuplicateLabelsetError);
  });

  it('templated rule labels; an empty label value removes the label', () => {
    const r = rule({ labels: { severity: 'critical', instance: '' } });
    r.eval([series(1)], 0);
    expect([...r.active.values()][0]!.labels).toEqual({ severity: 'critical', alertname: 'HighLoad' });
    const t = rule({ labels: { where: '{{ $labels.instance }}-{{ $externalLabels.node }}' } });
    t.eval([series(1)], 0);
    expect([...t.active.values()][0]!.labels.where).toBe('a-n1');
  });

  it('a rule that sets runbook_url keeps its own', () => {
    const r = rule({ annotations: { runbook_url: 'https://wiki/x' } });
    r.eval([series(1)], 0);
    expect([...r.active.values()][0]!.annotations.runbook_url).toBe('https://wiki/x');
  });
});

describe('restore after a restart', () => {
  it('a restored pending alert keeps its activeAt, so `for` counts the time before the restart', () => {
    const before = rule({ forMs: 5 * M });
    before.eval([series(1)], 0);
    before.eval([series(1)], 3 * M);
    const saved = [...before.active.values()].map((a) => ({ ...a }));

    const after = rule({ forMs: 5 * M });
    after.restore(saved);
    // 4 minutes later (agent was down for a minute): still pending, firing at 5 min after activeAt.
    expect(after.eval([series(1)], 4 * M)).toEqual([]);
    expect(after.eval([series(1)], 5 * M).map((c) => c.to)).toEqual(['firing']);
    expect([...after.active.values()][0]!.activeAt).toBe(0);
  });

  it('a restored firing alert whose condition cleared while down resolves at the first evaluation', () => {
    const before = rule();
    before.eval([series(1)], 0);
    const after = rule();
    after.restore([...before.active.values()]);
    expect(after.eval([], 2 * M).map((c) => `${c.from}->${c.to}`)).toEqual(['firing->inactive']);
  });
});
