// Rule files: what loads, and every error with its code, file:line, rule and reason (all at once).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import type { Compile } from './load-rules.ts';
import { loadRuleFiles } from './load-rules.ts';
import { parseRuleFile } from './rule-file.ts';
import { fakeExpr } from './testing/fake-rule.ts';

/** Accepts any expression except calls to `nope(`, which it rejects at the call's offset. */
const compile: Compile = (text) => {
  const at = text.indexOf('nope(');
  if (at >= 0) return { ok: false, errors: [{ message: 'function "nope" is not supported by the agent', from: at, to: at + 4 }] };
  return { ok: true, expr: fakeExpr() };
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-rules-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
}

describe('rule files', () => {
  it('loads groups and rules, with durations, labels and annotations', async () => {
    const f = await file(
      'good.rules.yml',
      `groups:
  - name: host
    interval: 30s
    rules:
      - alert: HighLoad
        expr: node_load1 > 4
        for: 5m
        keep_firing_for: 1m
        labels:
          severity: warning
          tier: 1
        annotations:
          summary: "load {{ $value | humanize }}"
  - name: other
    rules: []
`,
    );
    const r = await loadRuleFiles([f], compile);
    expect(r.errors).toEqual([]);
    expect(r.groups.map((g) => [g.name, g.intervalMs, g.rules.length])).toEqual([
      ['host', 30_000, 1],
      ['other', undefined, 0],
    ]);
    const def = r.groups[0]!.rules[0]!.def;
    expect([def.alert, def.forMs, def.keepFiringForMs, def.labels]).toEqual(['HighLoad', 300_000, 60_000, { severity: 'warning', tier: '1' }]);
  });

  it("loads a PrometheusRule object's spec.groups", async () => {
    const f = await file(
      'prometheusrule.yaml',
      `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: vigil
spec:
  groups:
    - name: g
      rules:
        - alert: A
          expr: up == 0
`,
    );
    const r = await loadRuleFiles([f], compile);
    expect(r.errors).toEqual([]);
    expect(r.groups[0]!.rules[0]!.def.alert).toBe('A');
  });

  it('expands globs; an empty rule list means the shipped defaults', async () => {
    await file('glob-1.rules.yml', 'groups: [{name: a, rules: [{alert: X, expr: "1"}]}]\n');
    await file('glob-2.rules.yml', 'groups: [{name: b, rules: [{alert: Y, expr: "1"}]}]\n');
    const r = await loadRuleFiles([path.join(dir, 'glob-*.rules.yml')], compile);
    expect(r.files.map((f) => path.basename(f))).toEqual(['glob-1.rules.yml', 'glob-2.rules.yml']);
    const defaults = await loadRuleFiles([], compile);
    expect(defaults.files.length).toBeGreaterThan(0);
    expect(defaults.files.every((f) => f.endsWith('.rules.yml'))).toBe(true);
    expect(defaults.errors).toEqual([]);
  });

  it('reports every error at once, each with code, file:line, rule and reason', async () => {
    const f = await file(
      'bad.rules.yml',
      `groups:
  - name: g
    rules:
      - alert: UnknownField
        expr: up == 0
        severity: critical
      - alert: BadFor
        expr: up == 0
        for: 5 minutes
      - alert: Unsupported
        expr: |
          sum(up)
            + nope(up)
      - alert: BadTemplate
        expr: up == 0
        annotations:
          summary: "{{ $value | query }}"
          description: "{{ $labels.x "
      - record: job:up:sum
        expr: sum(up)
        for: 5m
      - record: bad-name
        expr: up
  - name: g
    rules: []
`,
    );
    const r = await loadRuleFiles([f], compile);
    const lines = r.errors.map((e) => `${e.code} ${path.basename(e.where)} ${e.message.split(':')[0]}`);
    expect(lines).toEqual([
      `${ErrorCode.RULE_INVALID} bad.rules.yml:6 UnknownField`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:9 BadFor`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:21 job`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:22 bad-name`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:24 group "g"`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:13 Unsupported`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:17 BadTemplate`,
      `${ErrorCode.RULE_INVALID} bad.rules.yml:18 BadTemplate`,
    ]);
    const msg = (rule: string) => r.errors.filter((e) => e.message.startsWith(rule)).map((e) => e.message);
    expect(msg('UnknownField')).toEqual(['UnknownField: unknown field "severity"']);
    expect(msg('BadFor')[0]).toMatch(/for: not a duration/);
    expect(msg('Unsupported')).toEqual(['Unsupported: expr: function "nope" is not supported by the agent']);
    expect(msg('BadTemplate')).toEqual([
      'BadTemplate: annotations.summary: template: template function "query" is not supported by the agent',
      'BadTemplate: annotations.description: template: unclosed action',
    ]);
    expect(msg('job:up:sum')).toEqual(['job:up:sum: invalid field "for" in recording rule']);
    expect(msg('bad-name')).toEqual(['bad-name: invalid recording rule name']);
  });

  it("accepts what Prometheus' rulefmt accepts: any alert name, scalars as strings, limit, interval 0s, recording rules", async () => {
    const f = await file(
      'lenient.rules.yml',
      `groups:
  - name: 123
    interval: 0s
    limit: 10
    rules:
      - alert: DiskFull(>80%)
        expr: up == 0
        for: 0
        labels: { severity: 1, page: true }
      - alert: 404
        expr: 1
      - record: job:up:sum
        expr: SUM BY (job) (up)
        labels: { note: "{{ not a template" }
      - record: job:up:named
        expr: '{__name__=~"u.*"} OFFSET 1m'
  - name: empty
    rules: ~
`,
    );
    const r = await loadRuleFiles([f], compile);
    expect(r.errors).toEqual([]);
    expect(r.groups.map((g) => [g.name, g.intervalMs, g.limit, g.rules.map((x) => `${x.def.kind}:${x.def.alert}`)])).toEqual([
      ['123', undefined, 10, ['alert:DiskFull(>80%)', 'alert:404', 'record:job:up:sum', 'record:job:up:named']],
      ['empty', undefined, 0, []],
    ]);
    expect(r.groups[0]!.rules[0]!.def.labels).toEqual({ severity: '1', page: 'true' });
  });

  it('recording rules in a PrometheusRule, and unsupported PromQL in one reported as in an alerting rule', async () => {
    const f = await file(
      'prometheusrule.yml',
      `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: node }
spec:
  groups:
    - name: node.rules
      rules:
        - record: instance:up:sum
          expr: sum by (instance) (up)
        - record: instance:bad:x
          expr: |
            1 +
              nope(up)
`,
    );
    const r = await loadRuleFiles([f], compile);
    expect(r.errors).toEqual([
      { code: ErrorCode.RULE_INVALID, where: `${f}:13`, message: 'instance:bad:x: expr: function "nope" is not supported by the agent' },
    ]);
    expect(r.groups[0]!.rules.map((x) => [x.def.kind, x.def.alert])).toEqual([['record', 'instance:up:sum']]);
  });

  it('YAML syntax errors and unreadable files have their own codes', async () => {
    const f = await file('syntax.rules.yml', 'groups:\n  - name: g\n    rules: [\n');
    const r = await loadRuleFiles([f, path.join(dir, 'missing.rules.yml')], compile);
    expect(r.errors.map((e) => e.code)).toEqual([ErrorCode.RULE_SYNTAX, ErrorCode.RULE_FILE_UNREADABLE]);
    expect(r.errors[0]!.where).toMatch(/syntax\.rules\.yml:\d+$/);
  });

  it('rules over ALERTS are rejected: the agent makes those series in the same evaluation', async () => {
    const f = await file('alerts.rules.yml', 'groups:\n  - name: g\n    rules:\n      - alert: Meta\n        expr: count(ALERTS) > 3\n');
    const withNames: Compile = (text) => ({ ok: true, expr: { ...fakeExpr(), metricNames: text.includes('ALERTS') ? ['ALERTS'] : [] } });
    const r = await loadRuleFiles([f], withNames);
    expect(r.errors).toEqual([{ code: ErrorCode.RULE_INVALID, where: `${f}:5`, message: 'Meta: expr: rules over ALERTS are not supported by the agent' }]);
  });

  it('a top level that is not a rule file is rejected with its unknown keys', () => {
    const r = parseRuleFile('x.yml', 'global:\n  scrape_interval: 15s\n');
    expect(r.errors).toEqual([{ code: ErrorCode.RULE_INVALID, where: 'x.yml:1', message: 'rule file: unknown field "global"' }]);
  });
});
