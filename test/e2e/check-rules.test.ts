// `vigil check-rules` and `vigil run` with bad rule files, as real processes: every error with its code,
// file:line, rule and reason; exit 2; `run` starts nothing (no port bound, no state written).
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import { REPO_ROOT, runCli } from '../peers/agent.ts';
import { freePort, isListening } from '../peers/child.ts';

let dir: string;
let bad: string;
let good: string;

const BAD_RULES = `groups:
  - name: bad
    rules:
      - alert: BadMatcher
        expr: node_load1{job=~"("} > 1
      - alert: UnknownField
        expr: node_load1 > 1
        severity: critical
      - alert: UnsupportedFunction
        expr: |
          histogram_quantile(0.9,
            rate(http_request_duration_seconds_bucket[5m])) > 1
      - alert: TemplateError
        expr: node_load1 > 1
        annotations:
          summary: '{{ $value | query }}'
          description: '{{ $labels.instance '
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-check-rules-'));
  bad = path.join(dir, 'bad.rules.yml');
  good = path.join(dir, 'good.rules.yml');
  await writeFile(bad, BAD_RULES);
  await writeFile(good, 'groups:\n  - name: ok\n    rules:\n      - alert: Up\n        expr: vigil_ticks_total > 0\n        for: 1m\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The error lines of stderr as [code, file:line, rule] plus the whole line. */
function errorLines(stderr: string): string[][] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('VIGIL_ERR_'))
    .map((l) => {
      const m = /^(\S+) (\S+?): (\S+?): (.*)$/.exec(l);
      if (m === null) throw new Error(`not "CODE file:line: rule: reason": ${l}`);
      return [m[1]!, path.basename(m[2]!), m[3]!, m[4]!];
    });
}

describe('vigil check-rules', () => {
  it('prints every error with code, file:line, rule and reason, and exits 2', async () => {
    const r = await runCli(['check-rules', bad]);
    expect(r.code).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines.map(([code, where, rule]) => [code, where, rule])).toEqual([
      [ErrorCode.RULE_INVALID, 'bad.rules.yml:8', 'UnknownField'],
      [ErrorCode.RULE_INVALID, 'bad.rules.yml:5', 'BadMatcher'],
      [ErrorCode.RULE_INVALID, 'bad.rules.yml:11', 'UnsupportedFunction'],
      [ErrorCode.RULE_INVALID, 'bad.rules.yml:16', 'TemplateError'],
      [ErrorCode.RULE_INVALID, 'bad.rules.yml:17', 'TemplateError'],
    ]);
    const reason = (rule: string) => lines.filter((l) => l[2] === rule).map((l) => l[3]);
    expect(reason('UnknownField')).toEqual(['unknown field "severity"']);
    expect(reason('BadMatcher')[0]).toMatch(/regular expression|regex/i);
    expect(reason('UnsupportedFunction')).toEqual(['expr: function histogram_quantile is not supported by the agent']);
    expect(reason('TemplateError')).toEqual([
      'annotations.summary: template: template function "query" is not supported by the agent',
      'annotations.description: template: unclosed action',
    ]);
  });

  it('prints a summary and exits 0 for valid files, the shipped defaults included', async () => {
    const r = await runCli(['check-rules', good, path.join(REPO_ROOT, 'alerts/rules/*.rules.yml')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${good}: SUCCESS: 1 group, 1 rule`);
    expect(r.stdout).toMatch(/node\.rules\.yml: SUCCESS: \d+ groups?, \d+ rules/);
  });

  it('a missing file is an error of its own', async () => {
    const r = await runCli(['check-rules', path.join(dir, 'nope.rules.yml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(ErrorCode.RULE_FILE_UNREADABLE);
  });
});

describe('vigil run with a bad rule file', () => {
  it('names the same errors, exits 2 and starts nothing', async () => {
    const port = await freePort();
    const stateDir = path.join(dir, 'state');
    const config = path.join(dir, 'vigil.yml');
    await writeFile(config, JSON.stringify({ stateDir, alerting: { ruleFiles: [bad] } }));
    const r = await runCli(['run', '--config', config, '--listen', `127.0.0.1:${port}`]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr).map(([code, where, rule]) => `${code} ${where} ${rule}`)).toContain(`${ErrorCode.RULE_INVALID} bad.rules.yml:8 UnknownField`);
    expect(errorLines(r.stderr)).toHaveLength(5);
    expect(r.stderr).toContain('nothing was started');
    expect(await isListening(port)).toBe(false);
    expect(existsSync(path.join(stateDir, 'alerts'))).toBe(false);
  });
});
