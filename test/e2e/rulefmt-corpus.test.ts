// Whatever Prometheus accepts, the agent accepts: a seeded corpus of random rule files (rulefmt's
// leniency — scalars where strings go, alert names that are not metric names, `limit`, `interval: 0s`,
// block scalars, empty sections —, PromQL keywords in any case, selectors that choose names by
// matchers, recording rules, and now and then a construct the agent does not evaluate). Every file
// `promtool check rules` (Prometheus 2.42) accepts must load in the agent, or fail only with
// "… is not supported by the agent" naming a feature docs/promql-subset.md lists as not supported.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileExpr } from '../../alerts/engine/compile.ts';
import { pino } from 'pino';
import { loadRuleFiles } from '../../alerts/rules/load-rules.ts';
import { RuleManager } from '../../alerts/rules/rule-manager.ts';
import { PROMTOOL_BIN } from '../peers/prometheus.ts';
import { randomExpr, type Random, seededRandom } from './promql-random.ts';

const FILES = 300;
const SUBSET_DOC = readFileSync(path.join(import.meta.dirname, '../../docs/promql-subset.md'), 'utf8');
const UNSUPPORTED_DOC = SUBSET_DOC.slice(SUBSET_DOC.indexOf('## Not supported'), SUBSET_DOC.indexOf('## Differences'));

const KEYWORDS = [
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'and',
  'or',
  'unless',
  'bool',
  'sum',
  'max',
  'min',
  'count',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
];

/** Rewrites keywords in upper or mixed case (Prometheus' lexer lower-cases them). */
function mangleCase(r: Random, expr: string): string {
  return expr.replace(new RegExp(`\\b(${KEYWORDS.join('|')})\\b(?=\\s*[ (])`, 'g'), (kw) => r.pick([kw, kw.toUpperCase(), kw[0]!.toUpperCase() + kw.slice(1)]));
}

/** Constructs the agent refuses ("not supported"), each listed in docs/promql-subset.md. */
const UNSUPPORTED = [
  'histogram_quantile(0.9, rate(req_total[5m]))',
  'max_over_time(rate(req_total[1m])[10m:1m])',
  'req_total @ 1700000000',
  'sort_desc(temp)',
  'label_join(temp, "x", "-", "job", "inst")',
  'ln(temp)',
  'sqrt(temp)',
  'holt_winters(temp[10m], 0.5, 0.5)',
  'temp atan2 limit',
  'hour()',
];

const NAME_SELECTORS = [
  '{__name__=~"req_.*"}',
  '{__name__=~"temp|limit"} offset 1m',
  '{__name__!="temp", job="x"}',
  '{job="y"}',
  'rate({__name__=~".+_total"}[5m] OFFSET 2m)',
  '{__name__="temp"}',
];

function expr(r: Random): string {
  const roll = r.next();
  if (roll < 0.08) return r.pick(UNSUPPORTED);
  if (roll < 0.2) return mangleCase(r, `${r.pick(['sum by (job) ', 'max without (inst) ', 'count ', ''])}(${r.pick(NAME_SELECTORS)})`);
  return mangleCase(r, randomExpr(r));
}

const ALERT_NAMES = ['HighLoad', 'DiskFull(>80%)', 'disk full on {{ host }}', 'Ünïcödé alert', '404', 'true', 'a.b-c/d', 'NodeDown'];
const DURATIONS = ['0s', '30s', '1m', '5m', '1h30m', '2d', '0'];

/** One scalar, written in one of YAML's styles (Go's yaml reads them all as the same string). */
function yamlScalar(r: Random, text: string, keyColumn: number): string {
  const indent = ' '.repeat(keyColumn);
  if (/^\d+$/.test(text) || text === 'true') return r.pick([text, JSON.stringify(text)]);
  if (text.includes('\n') || r.next() < 0.2)
    return `${r.pick(['|', '|-', '>-'])}\n${text
      .split('\n')
      .map((l) => `${indent}  ${l}`)
      .join('\n')}`;
  return r.next() < 0.5 ? JSON.stringify(text) : `'${text.replace(/'/g, "''")}'`;
}

function rule(r: Random, i: number): string {
  const pad = '      ';
  const lines: string[] = [];
  const record = r.next() < 0.35;
  if (record) lines.push(`- record: ${r.pick(['job:req:rate5m', 'instance:temp:max', 'x', `rec_${i}`, 'a:b:c'])}`);
  else lines.push(`- alert: ${yamlScalar(r, r.pick(ALERT_NAMES), 8)}`);
  lines.push(`  expr: ${yamlScalar(r, r.next() < 0.03 ? String(r.int(10)) : expr(r), 8)}`);
  if (!record && r.next() < 0.5) lines.push(`  for: ${r.pick(DURATIONS)}`);
  if (!record && r.next() < 0.2) lines.push(`  keep_firing_for: ${r.pick(DURATIONS)}`);
  if (record && r.next() < 0.1) lines.push('  for: 0s');
  const labelRoll = r.next();
  if (labelRoll < 0.1) lines.push('  labels: ~');
  else if (labelRoll < 0.2) lines.push('  labels: {}');
  else if (labelRoll < 0.8) {
    lines.push('  labels:');
    lines.push(`    severity: ${r.pick(['warning', 'critical', '1', '2.5', 'true', '""'])}`);
    if (r.next() < 0.5)
      lines.push(
        `    team: ${yamlScalar(r, record ? r.pick(['db', '{{ not a template', 'a b']) : r.pick(['db', '{{ $labels.job }}', 'x-{{ $value | humanize }}']), 10)}`,
      );
  }
  if (!record && r.next() < 0.7) {
    lines.push('  annotations:');
    lines.push(
      `    summary: ${yamlScalar(r, r.pick(['{{ $labels.instance }} is {{ $value | humanizePercentage }}', 'plain text', '{{ printf "%.2f" $value }}', 'v={{ .Value }} {{ .Labels.job }}', '{{- $value -}}', 'multi\nline {{ $value }}']), 10)}`,
    );
    if (r.next() < 0.3) lines.push(`    runbook_url: https://runbooks.example/${i}`);
  }
  return lines.map((l) => `${pad}${l}`).join('\n');
}

function ruleFile(r: Random, n: number): string {
  const roll = r.next();
  if (roll < 0.02) return '';
  if (roll < 0.04) return 'groups: []\n';
  const out: string[] = [r.next() < 0.2 ? '# a comment\n---' : '', 'groups:'];
  const groups = 1 + r.int(3);
  for (let g = 0; g < groups; g++) {
    out.push(`  - name: ${yamlScalar(r, r.pick(['node', 'node.rules', `g${g}`, 'kube-prometheus-node-recording.rules', '123']) + (g > 0 ? `-${g}` : ''), 4)}`);
    if (r.next() < 0.3) out.push(`    interval: ${r.pick(['15s', '1m', '0s', '2m30s'])}`);
    if (r.next() < 0.2) out.push(`    limit: ${r.int(5)}`);
    const rules = r.int(5);
    if (rules === 0) out.push(`    rules: ${r.pick(['[]', '~'])}`);
    else {
      out.push('    rules:');
      for (let i = 0; i < rules; i++) out.push(rule(r, n * 100 + g * 10 + i));
    }
  }
  return `${out.join('\n')}\n`;
}

/** Per file, whether `promtool check rules` accepted it (one run for all: "Checking f" then "  SUCCESS"). */
function promtoolAccepts(files: readonly string[]): Map<string, boolean> {
  const run = spawnSync(PROMTOOL_BIN, ['check', 'rules', ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const accepted = new Map<string, boolean>();
  for (const block of run.stdout.split(/^Checking /m).slice(1)) {
    const [name, status] = block.split('\n');
    accepted.set(name!.trim(), (status ?? '').trim().startsWith('SUCCESS'));
  }
  return accepted;
}

/** The feature a "not supported" error names, if docs/promql-subset.md lists it as not supported. */
function listedFeature(message: string): string | undefined {
  const named = /(?:function|aggregation|binary operator) (\w+) is not supported/.exec(message)?.[1];
  if (named !== undefined)
    return UNSUPPORTED_DOC.includes(`\`${named}\``) ||
      UNSUPPORTED_DOC.includes(`\`${named.replace(/_.*/, '_*')}\``) ||
      UNSUPPORTED_DOC.includes(`\`${named.replace(/_.*/, '*')}\``)
      ? named
      : undefined;
  if (/subqueries are not supported/.test(message)) return UNSUPPORTED_DOC.includes('Subqueries') ? 'subqueries' : undefined;
  if (/the @ modifier is not supported/.test(message)) return UNSUPPORTED_DOC.includes('`@` modifier') ? '@' : undefined;
  return undefined;
}

let dir = '';
beforeAll(async () => {
  dir = process.env.VIGIL_CORPUS_DIR ?? (await mkdtemp(path.join(tmpdir(), 'vigil-rulefmt-corpus-')));
});
afterAll(async () => {
  if (dir !== '' && process.env.VIGIL_CORPUS_DIR === undefined) await rm(dir, { recursive: true, force: true });
});

describe('rule files Prometheus accepts, the agent accepts (seeded corpus)', () => {
  it(`${FILES} random rule files: promtool-accepted ones load, or fail only on a listed unsupported feature`, async () => {
    // VIGIL_RULEFMT_SEED=n explores other corpora; CI keeps the fixed seed.
    const r = seededRandom(Number(process.env.VIGIL_RULEFMT_SEED ?? 20261129));
    const files: string[] = [];
    for (let n = 0; n < FILES; n++) {
      const file = path.join(dir, `c${String(n).padStart(3, '0')}.rules.yml`);
      await writeFile(file, ruleFile(r, n));
      files.push(file);
    }
    const accepted = promtoolAccepts(files);
    expect(accepted.size).toBe(FILES);
    const ok = files.filter((f) => accepted.get(f) === true);
    // Most of the corpus is valid Prometheus, or the test would prove little.
    expect(ok.length).toBeGreaterThan(FILES * 0.8);
    const problems: string[] = [];
    let loaded = 0;
    let refused = 0;
    let rules = 0;
    for (const file of ok) {
      const result = await loadRuleFiles([file], compileExpr);
      rules += result.groups.reduce((n, g) => n + g.rules.length, 0);
      if (result.errors.length === 0) loaded++;
      else refused++;
      for (const e of result.errors) {
        if (!/(is|are) not supported by the agent/.test(e.message) || listedFeature(e.message) === undefined)
          problems.push(`${e.code} ${e.where}: ${e.message}\n${readFileSync(file, 'utf8')}`);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    // All the loadable files at once (many share group names): one group per file and name, one
    // series per group.
    const clean: string[] = [];
    for (const file of ok) if ((await loadRuleFiles([file], compileExpr)).errors.length === 0) clean.push(file);
    const all = await loadRuleFiles(clean, compileExpr);
    expect(all.errors).toEqual([]);
    const manager = new RuleManager(all.groups, {
      evaluationIntervalMs: 10_000,
      externalLabels: {},
      externalURL: 'http://n1',
      runbookBase: 'http://n1/runbooks',
      logger: pino({ level: 'silent' }),
    });
    const keys = manager
      .samples()
      .filter((x) => x.name === 'vigil_rule_group_rules')
      .map((x) => x.labels.rule_group);
    expect(keys.length).toBe(all.groups.length);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(all.groups.map((g) => g.name)).size).toBeLessThan(all.groups.length);
    expect(loaded).toBeGreaterThan(ok.length * 0.4);
    expect(refused).toBeGreaterThan(0);
    expect(rules).toBeGreaterThan(FILES);
  });
});
