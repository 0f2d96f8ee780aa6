// The alert content users page on, proved with the real tools: the default rule files pass
// `promtool check rules` and their unit tests (`promtool test rules`), and the agent's own rule engine
// fires exactly the alerts (labels, annotations) those unit tests expect from Prometheus; every alert is
// unit-tested both ways, uses only the PromQL the agent evaluates, and has a runbook with the five sections; the
// runbooks render to pages headless Chromium loads without errors (served by the agent's HTTP server,
// each page's only request is its view beacon to /faro/collect, under its CSP); and the shipped alertmanager.yml
// passes `amtool check-config` and, run by a real Alertmanager, pages PagerDuty for criticals, posts
// warnings to Slack (both stand-ins on loopback) and inhibits a warning while its critical fires.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parser as promqlParser } from '@prometheus-io/lezer-promql';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { alertmanagerConfigFor, SHIPPED_ALERTMANAGER_CONFIG } from '../../alerts/alertmanager/testing/config-for-test.ts';
import { parseSeriesLabels } from '../../alerts/engine/compile.ts';
import { HistoryStore } from '../../alerts/engine/history.ts';
import { defaultRuleEngine } from '../../alerts/rules/engine-adapter.ts';
import { loadRuleFiles } from '../../alerts/rules/load-rules.ts';
import { RuleManager } from '../../alerts/rules/rule-manager.ts';
import { loadRunbooks } from '../../alerts/runbooks/render.ts';
import { RUNBOOK_VIEW_METRICS, RunbookViews } from '../../alerts/runbooks/views.ts';
import { AgentServer } from '../../agent/server.ts';
import { MetricCatalog } from '../../sinks/prometheus/metric-catalog.ts';
import { PrometheusSink } from '../../sinks/prometheus/prometheus-sink.ts';
import { runCli } from '../peers/agent.ts';
import { type Peer, spawnPeer, tail, until as untilEvent, waitForHttp, withFreePort } from '../peers/child.ts';
import { PROMTOOL_BIN } from '../peers/prometheus.ts';

const ALERTS_DIR = fileURLToPath(new URL('../../alerts/', import.meta.url));
const RULES_DIR = path.join(ALERTS_DIR, 'rules');
const RULE_TESTS_DIR = path.join(RULES_DIR, 'tests');
const RUNBOOKS_DIR = path.join(ALERTS_DIR, 'runbooks');
const AMTOOL_BIN = process.env.VIGIL_TEST_AMTOOL ?? 'amtool';
const ALERTMANAGER_BIN = process.env.VIGIL_TEST_ALERTMANAGER ?? 'prometheus-alertmanager';
const CHROMIUM_BIN = process.env.VIGIL_TEST_CHROMIUM ?? '/usr/bin/chromium';

interface RunResult {
  readonly code: number;
  readonly output: string;
}

/** Runs a tool to completion (killed by its pid after 60 s); stdout and stderr together. */
function run(command: string, args: readonly string[], cwd?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (err && typeof (err as { code?: unknown }).code !== 'number') {
        reject(new Error(`${command}: ${err.message} (the test peers are installed by test/peers/install.sh)\n${output}`));
        return;
      }
      resolve({ code: err ? Number((err as { code: number }).code) : 0, output });
    });
  });
}

const files = (dir: string, suffix: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .map((f) => path.join(dir, f));

// ---------- the default rules, as data ----------

interface Rule {
  readonly alert?: string;
  readonly record?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

const ruleFiles = files(RULES_DIR, '.rules.yml');
const rules: { file: string; rule: Rule }[] = ruleFiles.flatMap((file) => {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { groups: { rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((rule) => ({ file: path.basename(file), rule })));
});
const alertNames = [...new Set(rules.flatMap(({ rule }) => (rule.alert ? [rule.alert] : [])))].sort();
/** The dead man's switch: always firing (no `for`, never silent), severity none, routed to the heartbeat receiver. */
const WATCHDOG = 'VigilWatchdog';

/** The PromQL the agent evaluates (issue 5): anything else in a default rule would not run on the node. */
const SUPPORTED_FUNCTIONS = new Set([
  'vector',
  'rate',
  'irate',
  'increase',
  'delta',
  'deriv',
  'predict_linear',
  'changes',
  'resets',
  'absent',
  'time',
  'abs',
  'clamp',
  'clamp_min',
  'clamp_max',
  'label_replace',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'stddev_over_time',
  'stdvar_over_time',
  'quantile_over_time',
  'present_over_time',
]);
const SUPPORTED_AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'topk', 'bottomk']);
const UNSUPPORTED_NODES = new Set(['SubqueryExpr', 'AtModifierPreprocessors', 'At']);

/** Problems with `expr` for the agent, found by walking lezer-promql's tree (the official grammar). */
function promqlProblems(expr: string): string[] {
  const problems: string[] = [];
  const tree = promqlParser.parse(expr);
  tree.iterate({
    enter: (ref) => {
      const text = expr.slice(ref.from, ref.to);
      if (ref.type.isError) problems.push(`syntax error at ${ref.from}`);
      else if (ref.name === 'FunctionIdentifier' && !SUPPORTED_FUNCTIONS.has(text)) problems.push(`function ${text} is not supported by the agent`);
      else if (ref.name === 'AggregateOp' && !SUPPORTED_AGGREGATIONS.has(text.toLowerCase()))
        problems.push(`aggregation ${text} is not supported by the agent`);
      else if (UNSUPPORTED_NODES.has(ref.name)) problems.push(`${ref.name} is not supported by the agent`);
    },
  });
  return problems;
}

describe('default rule files', () => {
  it('are the three shipped files with every default alert', () => {
    expect(ruleFiles.map((f) => path.basename(f))).toEqual(['node.rules.yml', 'postgres.rules.yml', 'vigil.rules.yml']);
    for (const name of [
      'NodeFilesystemAlmostOutOfSpace',
      'NodeFilesystemSpaceFillingUp',
      'NodeFilesystemAlmostOutOfFiles',
      'NodeMemoryHighUtilization',
      'NodeCPUHighUsage',
      'NodeDiskIOSaturation',
      'NodeNetworkReceiveErrs',
      'NodeNetworkTransmitErrs',
      'PostgresReplicationLagHigh',
      'PostgresReplicaNotStreaming',
      'PostgresReplicationSlotRetainingWAL',
      'PostgresStandbyMissing',
      'PostgresDown',
      'HostAnomalyDetected',
      'VigilCollectorFailing',
      'PostgresWALArchivingFailing',
      'PostgresWALArchiveBacklogGrowing',
      'PostgresWALArchiveOlderThanRPO',
      'PostgresFailoverHappened',
      'PostgresPromotedPrimaryWithoutStandbys',
      'PgBouncerDown',
      'PgBouncerClientsWaiting',
      'PgBouncerClientConnectionsNearLimit',
      WATCHDOG,
    ]) {
      expect(alertNames).toContain(name);
    }
    const lag = rules.filter(({ rule }) => rule.alert === 'PostgresReplicationLagHigh').map(({ rule }) => rule.labels?.severity);
    expect(lag.sort()).toEqual(['critical', 'warning']);
  });

  it('pass `promtool check rules`', async () => {
    const r = await run(PROMTOOL_BIN, ['check', 'rules', ...ruleFiles]);
    expect(r.code, r.output).toBe(0);
    expect(r.output.match(/SUCCESS/g)?.length, r.output).toBe(ruleFiles.length);
  });

  it('pass their promtool unit tests', async () => {
    const r = await run(PROMTOOL_BIN, ['test', 'rules', ...files(RULE_TESTS_DIR, '.test.yml')]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).not.toMatch(/FAILED/);
  });

  it("pass the agent's own `vigil check-rules` (every function and template the agent supports)", async () => {
    const r = await runCli(['check-rules', ...ruleFiles]);
    expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
    for (const f of ruleFiles) expect(r.stdout).toContain(`${path.basename(f)}: SUCCESS`);
  });

  it('each rule has for, a known severity, summary, description and value, and no runbook_url of its own', () => {
    for (const { file, rule } of rules) {
      const where = `${file}: ${rule.alert ?? rule.record}`;
      expect(rule.alert, `${where}: default rules are alerts`).toBeDefined();
      if (rule.alert === WATCHDOG) {
        expect(rule.for, `${where}: fires at once`).toBeUndefined();
        expect(rule.labels?.severity, `${where}: severity`).toBe('none');
      } else {
        expect(rule.for, `${where}: for`).toMatch(/^\d+[smh]$/);
        expect(['info', 'warning', 'critical'], `${where}: severity`).toContain(rule.labels?.severity);
      }
      for (const key of ['summary', 'description', 'value']) expect(rule.annotations?.[key], `${where}: annotation ${key}`).toBeTruthy();
      expect(rule.annotations?.value, `${where}: the value annotation formats the value`).toMatch(/^\{\{ \$value( \| humanize\w*)? \}\}(%|B)?$/);
      expect(rule.annotations?.runbook_url, `${where}: runbook_url is added by the agent`).toBeUndefined();
      expect(Object.keys(rule.labels ?? {}), `${where}: labels`).toEqual(['severity']);
    }
  });

  it('use only the PromQL the agent evaluates, and never aggregate away instance/job with `by`', () => {
    for (const { file, rule } of rules) {
      expect(promqlProblems(rule.expr), `${file}: ${rule.alert}: ${rule.expr}`).toEqual([]);
      // `by (…)` drops every other label: in Prometheus that loses instance/job. `without` keeps them.
      expect(rule.expr, `${file}: ${rule.alert}`).not.toMatch(/\bby\s*\(/);
    }
    // The checker itself catches what it must.
    expect(promqlProblems('histogram_quantile(0.9, rate(x[5m]))')).toEqual(['function histogram_quantile is not supported by the agent']);
    expect(promqlProblems('stddev(x)')).toEqual(['aggregation stddev is not supported by the agent']);
    expect(promqlProblems('max_over_time(rate(x[1m])[5m:1m])').length).toBeGreaterThan(0);
  });

  it('every alert is unit-tested both ways: firing with labels and annotations, and silent when normal', () => {
    interface AlertTest {
      eval_time: string;
      alertname: string;
      exp_alerts?: { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
    }
    const fires = new Set<string>();
    const silent = new Set<string>();
    for (const file of files(RULE_TESTS_DIR, '.test.yml')) {
      const doc = parseYaml(readFileSync(file, 'utf8')) as { tests: { input_series: unknown[]; alert_rule_test?: AlertTest[] }[] };
      for (const t of doc.tests) {
        for (const a of t.alert_rule_test ?? []) {
          const exp = a.exp_alerts ?? [];
          if (exp.length === 0) {
            silent.add(a.alertname);
            continue;
          }
          for (const e of exp) {
            expect(e.exp_labels?.severity, `${path.basename(file)}: ${a.alertname} expects its severity`).toMatch(
              a.alertname === WATCHDOG ? /^none$/ : /^(info|warning|critical)$/,
            );
            expect(Object.keys(e.exp_annotations ?? {}).sort(), `${path.basename(file)}: ${a.alertname} expects its annotations`).toEqual([
              'description',
              'summary',
              'value',
            ]);
          }
          fires.add(a.alertname);
        }
      }
    }
    expect([...fires].sort()).toEqual(alertNames);
    expect([...silent].sort()).toEqual(alertNames.filter((n) => n !== WATCHDOG));
  });
});

// ---------- the same unit tests, evaluated by the agent ----------

interface PromtoolRuleTest {
  readonly name: string;
  readonly interval: string;
  readonly input_series: readonly { series: string; values: string }[];
  readonly alert_rule_test?: readonly {
    eval_time: string;
    alertname: string;
    exp_alerts?: readonly { exp_labels?: Record<string, string>; exp_annotations?: Record<string, string> }[];
  }[];
}

const minutes = (d: string): number => {
  const m = /^(\d+)([mh])$/.exec(d);
  if (m === null) throw new Error(`duration ${d}: these tests use whole minutes or hours`);
  return Number(m[1]) * (m[2] === 'h' ? 60 : 1);
};

/** promtool's series notation (`a`, `axN`, `a+bxN`, `a-bxN`), one value per interval from 0. */
function expandValues(text: string): number[] {
  const out: number[] = [];
  for (const tok of text.trim().split(/\s+/)) {
    const m = /^(-?[\d.e]+)(?:([+-])([\d.e]+))?x(\d+)$/.exec(tok);
    if (m === null) {
      if (!/^-?[\d.e]+$/.test(tok)) throw new Error(`series value ${tok}: not used by these tests (no _ or stale)`);
      out.push(Number(tok));
      continue;
    }
    const step = m[2] === undefined ? 0 : Number(`${m[2]}${m[3]}`);
    for (let i = 0; i <= Number(m[4]); i++) out.push(Number(m[1]) + i * step);
  }
  return out;
}

describe("the promtool unit tests, evaluated by the agent's own rule engine", () => {
  const RUNBOOK_BASE = 'http://node-1:9464/runbooks';
  for (const file of files(RULE_TESTS_DIR, '.test.yml')) {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { rule_files: string[]; evaluation_interval: string; tests: PromtoolRuleTest[] };
    for (const t of doc.tests) {
      it(`${path.basename(file)}: ${t.name}`, async () => {
        expect(minutes(doc.evaluation_interval)).toBe(minutes(t.interval));
        const loaded = await loadRuleFiles(
          doc.rule_files.map((f) => path.join(RULE_TESTS_DIR, f)),
          defaultRuleEngine.compile,
        );
        expect(loaded.errors).toEqual([]);
        const manager = new RuleManager(loaded.groups, {
          evaluationIntervalMs: 60_000,
          externalLabels: {},
          externalURL: 'http://node-1:9464',
          runbookBase: RUNBOOK_BASE,
          logger: pino({ level: 'silent' }),
        });
        const series = t.input_series.map((s) => {
          const { __name__: name, ...labels } = parseSeriesLabels(s.series) ?? {};
          if (name === undefined) throw new Error(`bad series ${s.series}`);
          return { name, labels, values: expandValues(s.values) };
        });
        const retention = new Map(series.map((s) => [s.name, 7 * 3600_000]));
        const history = new HistoryStore({ retentionByMetric: retention });
        const checks = new Map<number, NonNullable<PromtoolRuleTest['alert_rule_test']>[number][]>();
        for (const c of t.alert_rule_test ?? []) checks.set(minutes(c.eval_time), [...(checks.get(minutes(c.eval_time)) ?? []), c]);
        const last = Math.max(...checks.keys());
        let checked = 0;
        for (let m = 0; m <= last; m++) {
          const ts = m * 60_000;
          history.append({
            timestamp: ts,
            samples: series.flatMap((s) => (m < s.values.length ? [{ name: s.name, labels: s.labels, value: s.values[m]! }] : [])),
          });
          manager.evaluate(history, ts);
          for (const c of checks.get(m) ?? []) {
            checked++;
            const firing = manager
              .alerts()
              .filter((a) => a.state === 'firing' && a.labels.alertname === c.alertname)
              .map((a) => {
                const { runbook_url: runbook, ...annotations } = a.annotations;
                expect(runbook).toBe(`${RUNBOOK_BASE}/${c.alertname}`);
                return { labels: a.labels, annotations };
              });
            const expected = (c.exp_alerts ?? []).map((e) => ({ labels: { ...e.exp_labels, alertname: c.alertname }, annotations: e.exp_annotations ?? {} }));
            const key = (a: { labels: Record<string, string> }): string => JSON.stringify(Object.entries(a.labels).sort());
            expect(
              firing.sort((a, b) => key(a).localeCompare(key(b))),
              `${c.alertname} at ${c.eval_time}`,
            ).toEqual(expected.sort((a, b) => key(a).localeCompare(key(b))));
          }
        }
        expect(checked).toBe(t.alert_rule_test?.length ?? 0);
      });
    }
  }
});

// ---------- runbooks ----------

const SECTIONS = ['Meaning', 'Impact', 'Diagnosis', 'Mitigation', 'Escalation'] as const;
const runbookNames = files(RUNBOOKS_DIR, '.md').map((f) => path.basename(f, '.md'));

describe('runbooks', () => {
  it('exist for every default alert, and every runbook has an alert', () => {
    expect(
      runbookNames.filter((n) => !alertNames.includes(n)),
      'runbooks without a rule',
    ).toEqual([]);
    expect(
      alertNames.filter((n) => !runbookNames.includes(n)),
      'alerts without a runbook',
    ).toEqual([]);
  });

  it('have a title and the five sections, in order, each with content, and PromQL or shell to diagnose', () => {
    for (const name of runbookNames) {
      const text = readFileSync(path.join(RUNBOOKS_DIR, `${name}.md`), 'utf8');
      expect(text.split('\n')[0], `${name}.md title`).toBe(`# ${name}`);
      const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
      expect(headings, `${name}.md sections`).toEqual([...SECTIONS]);
      for (const [i, section] of SECTIONS.entries()) {
        const start = text.indexOf(`## ${section}\n`);
        const end = i + 1 < SECTIONS.length ? text.indexOf(`## ${SECTIONS[i + 1]}\n`) : text.length;
        expect(text.slice(start + section.length + 4, end).trim().length, `${name}.md: ${section} is empty`).toBeGreaterThan(40);
      }
      const diagnosis = text.slice(text.indexOf('## Diagnosis'), text.indexOf('## Mitigation'));
      expect(diagnosis, `${name}.md: Diagnosis has commands or queries`).toMatch(/```(promql|sh)\n/);
    }
  });

  it('give PromQL that parses (official grammar), one query per line (indented lines continue it)', () => {
    let queries = 0;
    for (const name of runbookNames) {
      const text = readFileSync(path.join(RUNBOOKS_DIR, `${name}.md`), 'utf8');
      for (const block of text.matchAll(/```promql\n([\s\S]*?)```/g)) {
        for (const query of block[1]!
          .replace(/\n(?=\s)/g, ' ')
          .split('\n')
          .filter((l) => l.trim() !== '')) {
          const errors: number[] = [];
          promqlParser.parse(query).iterate({ enter: (ref) => void (ref.type.isError && errors.push(ref.from)) });
          expect(errors, `${name}.md: ${query}`).toEqual([]);
          queries++;
        }
      }
    }
    expect(queries).toBeGreaterThan(runbookNames.length * 2);
    const broken: number[] = [];
    promqlParser.parse('rate(node_cpu_seconds_total[5m]').iterate({ enter: (ref) => void (ref.type.isError && broken.push(ref.from)) });
    expect(broken.length).toBeGreaterThan(0);
  });

  it('diagnose with metrics the alert really uses', () => {
    for (const { rule } of rules) {
      const text = readFileSync(path.join(RUNBOOKS_DIR, `${rule.alert}.md`), 'utf8');
      const metrics = new Set<string>();
      promqlParser.parse(rule.expr).iterate({
        enter: (ref) => {
          if (ref.name === 'Identifier' && ref.node.parent?.name === 'VectorSelector') metrics.add(rule.expr.slice(ref.from, ref.to));
        },
      });
      // The watchdog reads no metric (vector(1)); its runbook diagnoses from the agent's liveness.
      if (rule.alert === WATCHDOG) expect(text).toContain('vigil_ticks_total');
      else expect(metrics.size, `${rule.alert}: metrics of ${rule.expr}`).toBeGreaterThan(0);
      for (const m of metrics) expect(text, `${rule.alert}.md mentions ${m}`).toContain(m);
    }
  });
});

describe('runbook pages in headless Chromium', () => {
  let browser: Browser | undefined;
  let dir: string;
  // The agent's own HTTP server, serving the shipped runbooks and counting their views.
  const pages = loadRunbooks(RUNBOOKS_DIR);
  const views = new RunbookViews(pages.keys());
  const server = new AgentServer({
    prometheus: new PrometheusSink(new MetricCatalog(RUNBOOK_VIEW_METRICS), Date.now()),
    ready: () => true,
    logger: pino({ level: 'silent' }),
    runbookHtml: (name) => pages.get(name),
    faroCollect: (body) => views.collect(body),
  });
  let origin = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-runbook-pages-'));
    await server.listen('127.0.0.1:0');
    origin = `http://127.0.0.1:${server.address!.port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM_BIN,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('every runbook renders to a page that loads without console errors, shows its headings and code, and requests only its view beacon', async () => {
    expect([...pages.keys()].sort()).toEqual(alertNames);
    const context = await browser!.newContext();
    try {
      // One tab for all pages: what a page logs or requests is collected per navigation.
      const page = await context.newPage();
      let problems: string[] = [];
      let requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('request', (req) => requests.push(`${req.method()} ${req.url()}`));
      for (const name of pages.keys()) {
        problems = [];
        requests = [];
        const beacon = page.waitForResponse((res) => res.url() === `${origin}/faro/collect`, { timeout: 10_000 }).catch(() => undefined);
        await page.goto(`${origin}/runbooks/${name}`, { waitUntil: 'load' });
        expect(await page.title()).toBe(`${name} runbook · Vigil`);
        expect(await page.locator('h1').allTextContents()).toEqual([name]);
        expect(await page.locator('h2').allTextContents()).toEqual([...SECTIONS]);
        expect(await page.locator('pre code').count(), `${name}: code blocks`).toBeGreaterThan(0);
        // The inline stylesheet applied (52rem); evaluated in the page: the repo's TypeScript has no DOM types.
        expect(await page.evaluate('getComputedStyle(document.body).maxWidth')).toBe('832px');
        const response = await beacon;
        // CSP violations (a script whose hash is not allowed, a blocked connection) are console errors.
        expect(problems, `${name}: console`).toEqual([]);
        expect(response?.status(), `${name}: view beacon`).toBe(204);
        // The page and its same-origin view beacon; nothing else is loaded (no fonts, images, scripts).
        expect(requests, `${name}: requests`).toEqual([`GET ${origin}/runbooks/${name}`, `POST ${origin}/faro/collect`]);
      }
      expect(views.samples().map((s) => [s.labels.alertname, s.value])).toEqual([...pages.keys()].map((n) => [n, 1]));
    } finally {
      await context.close();
    }
  });

  it('a runbook saved to disk loads offline without errors and requests nothing but itself', async () => {
    const name = 'PostgresDown';
    const file = path.join(dir, `${name}.html`);
    await writeFile(file, pages.get(name)!);
    const context = await browser!.newContext({ offline: true });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('request', (req) => requests.push(req.url()));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      expect(await page.locator('h1').allTextContents()).toEqual([name]);
      // Faro ran (its global is there) and the view script chose not to send from file://.
      expect(await page.evaluate('typeof GrafanaFaroCore.initializeFaro')).toBe('function');
      await sleep(500);
      expect(problems).toEqual([]);
      expect(requests, 'only the page itself is loaded').toEqual([`file://${file}`]);
    } finally {
      await context.close();
    }
  });
});

// ---------- Alertmanager ----------

describe('alertmanager.yml', () => {
  it('passes `amtool check-config`, with templates', async () => {
    const r = await run(AMTOOL_BIN, ['check-config', SHIPPED_ALERTMANAGER_CONFIG]);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/1 inhibit rules/);
    expect(r.output).toMatch(/3 receivers/);
    expect(r.output).toMatch(/1 templates/);
  });

  it('routes critical to PagerDuty, warning and info to Slack, grouped by alertname/cluster/node, secrets from files', () => {
    const cfg = parseYaml(readFileSync(SHIPPED_ALERTMANAGER_CONFIG, 'utf8')) as {
      route: { group_by: string[]; routes: { receiver: string; matchers: string[] }[] };
      inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
      receivers: { name: string; pagerduty_configs?: Record<string, unknown>[]; slack_configs?: Record<string, unknown>[] }[];
    };
    expect(cfg.route.group_by).toEqual(['alertname', 'cluster', 'node']);
    expect(cfg.route.routes.map((r) => [r.matchers, r.receiver])).toEqual([
      [['alertname="VigilWatchdog"'], 'heartbeat'],
      [['severity="critical"'], 'pagerduty-critical'],
      [['severity="warning"'], 'slack-warnings'],
      [['severity="info"'], 'slack-warnings'],
    ]);
    expect(cfg.inhibit_rules).toEqual([
      { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', 'cluster', 'node'] },
    ]);
    const pd = cfg.receivers.find((r) => r.name === 'pagerduty-critical')!.pagerduty_configs![0]!;
    const slack = cfg.receivers.find((r) => r.name === 'slack-warnings')!.slack_configs![0]!;
    expect(pd.routing_key_file).toBeTypeOf('string');
    expect(pd.routing_key).toBeUndefined();
    expect(slack.api_url_file).toBeTypeOf('string');
    expect(slack.api_url).toBeUndefined();
  });
});

interface Received {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** Slack and PagerDuty stand-ins (SaaS endpoints): record every JSON request. */
async function startReceiver(): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = '';
    req.setEncoding('utf8').on('data', (d: string) => (data += d));
    req.on('end', () => {
      try {
        received.push({ path: req.url ?? '', body: JSON.parse(data) as Record<string, unknown> });
      } catch {
        received.push({ path: req.url ?? '', body: { unparsable: data } });
      }
      if (req.url === '/v2/enqueue') {
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success","message":"Event processed","dedup_key":"x"}');
      } else {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${addr.port}`, received };
}

interface AlertmanagerPeer extends Peer {
  readonly url: string;
}

async function startAlertmanager(configFile: string, dataDir: string): Promise<AlertmanagerPeer> {
  return withFreePort(async (port) => {
    const listen = `127.0.0.1:${port}`;
    const peer = await spawnPeer('alertmanager', ALERTMANAGER_BIN, [
      `--config.file=${configFile}`,
      `--storage.path=${dataDir}`,
      `--web.listen-address=${listen}`,
      '--cluster.listen-address=',
      '--log.level=debug',
    ]);
    const url = `http://${listen}`;
    try {
      await waitForHttp(`${url}/-/ready`, { peer, portTaken: /address already in use/, timeoutMs: 30_000 });
    } catch (err) {
      await peer.stop('SIGKILL');
      throw err;
    }
    return Object.assign(peer, { url });
  });
}

describe('the shipped Alertmanager config, run by a real Alertmanager', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let am: AlertmanagerPeer | undefined;
  const ROUTING_KEY = 'test-routing-key-0123456789abcdef';
  const RUNBOOK = (node: string): string => `http://${node}:9464/runbooks/NodeFilesystemAlmostOutOfSpace`;

  const alert = (severity: string, node: string, value: string, endsAt?: Date): Record<string, unknown> => ({
    labels: { alertname: 'NodeFilesystemAlmostOutOfSpace', severity, cluster: 'prod-eu', node, device: '/dev/sda1', fstype: 'ext4', mountpoint: '/var' },
    annotations: {
      summary: `Filesystem has less than ${severity === 'critical' ? 3 : 5}% space left.`,
      description: `Filesystem /var on /dev/sda1 has only ${value} available space left.`,
      value,
      runbook_url: RUNBOOK(node),
    },
    generatorURL: `http://${node}:9464/api/v1/alerts`,
    ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
  });

  const post = async (alerts: Record<string, unknown>[]): Promise<void> => {
    const res = await fetch(`${am!.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
      signal: AbortSignal.timeout(10_000),
    });
    expect(res.status, await res.text()).toBe(200);
  };

  const until = <T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> =>
    untilEvent(what, probe, {
      timeoutMs,
      intervalMs: 100,
      context: () => `received: ${JSON.stringify(receiver.received, null, 1).slice(0, 3000)}\nalertmanager:\n${tail(am?.stderr() ?? '', 20)}`,
    });

  const slackFor = (node: string): Received | undefined => receiver.received.find((r) => r.path === '/slack' && JSON.stringify(r.body).includes(`on ${node}`));
  const pagerduty = (action: string): Received | undefined => receiver.received.find((r) => r.path === '/v2/enqueue' && r.body.event_action === action);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-e2e-alertmanager-'));
    receiver = await startReceiver();
    const slackUrlFile = path.join(dir, 'slack-webhook-url');
    const pagerdutyKeyFile = path.join(dir, 'pagerduty-routing-key');
    await writeFile(slackUrlFile, `${receiver.url}/slack\n`);
    await writeFile(pagerdutyKeyFile, `${ROUTING_KEY}\n`);
    const configFile = path.join(dir, 'alertmanager.yml');
    await writeFile(
      configFile,
      alertmanagerConfigFor({
        slackUrlFile,
        pagerdutyKeyFile,
        pagerdutyUrl: `${receiver.url}/v2/enqueue`,
        groupWait: '1s',
        groupInterval: '1s',
        repeatInterval: '1h',
      }),
    );
    const check = await run(AMTOOL_BIN, ['check-config', configFile]);
    expect(check.code, check.output).toBe(0);
    am = await startAlertmanager(configFile, path.join(dir, 'data'));
  });

  afterAll(async () => {
    await am?.stop();
    await new Promise((resolve) => receiver?.server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('pages PagerDuty for a critical with summary, node, value and the runbook link', async () => {
    await post([alert('critical', 'node-1', '2%'), alert('warning', 'node-1', '2%'), alert('warning', 'node-2', '4%')]);
    const pd = await until('the PagerDuty event', () => pagerduty('trigger'));
    const body = pd.body as {
      routing_key: string;
      payload: { summary: string; severity: string; custom_details: Record<string, string> };
      links: { href: string; text: string }[];
      client: string;
      client_url: string;
    };
    expect(body.routing_key).toBe(ROUTING_KEY);
    expect(body.payload.severity).toBe('critical');
    expect(body.payload.summary).toBe('[FIRING] NodeFilesystemAlmostOutOfSpace on node-1: Filesystem has less than 3% space left.');
    expect(body.payload.custom_details).toMatchObject({
      alertname: 'NodeFilesystemAlmostOutOfSpace',
      node: 'node-1',
      cluster: 'prod-eu',
      summary: 'Filesystem has less than 3% space left.',
      value: '2%',
      runbook_url: RUNBOOK('node-1'),
      num_firing: '1',
    });
    expect(body.payload.custom_details.firing).toContain(`node=node-1 cluster=prod-eu value=2% runbook=${RUNBOOK('node-1')}`);
    expect(body.links).toEqual([{ href: RUNBOOK('node-1'), text: 'Runbook: NodeFilesystemAlmostOutOfSpace' }]);
    expect(body.client).toBe('Vigil');
    expect(body.client_url).toBe(RUNBOOK('node-1'));
    // A critical never goes to Slack.
    expect(receiver.received.filter((r) => r.path === '/slack' && JSON.stringify(r.body).includes('3% space left'))).toEqual([]);
  });

  it('posts a warning to Slack with summary, node, value and the runbook link', async () => {
    const slack = await until('the Slack message for node-2', () => slackFor('node-2'));
    const body = slack.body as {
      channel: string;
      username: string;
      attachments: { title: string; title_link: string; text: string; actions?: { url: string }[] }[];
    };
    expect(body.channel).toBe('#alerts');
    expect(body.username).toBe('Vigil');
    const a = body.attachments[0]!;
    expect(a.title).toBe('[FIRING:1] NodeFilesystemAlmostOutOfSpace on node-2');
    expect(a.title_link).toBe(RUNBOOK('node-2'));
    expect(a.text).toContain('*Filesystem has less than 5% space left.*');
    expect(a.text).toContain('node: `node-2`');
    expect(a.text).toContain('value: `4%`');
    expect(a.text).toContain(`runbook: <${RUNBOOK('node-2')}|${RUNBOOK('node-2')}>`);
    expect(a.actions?.[0]?.url).toBe(RUNBOOK('node-2'));
  });

  it('inhibits the warning while the critical with the same alertname, cluster and node fires, and lets it through after', async () => {
    const state = async (): Promise<{ state: string; inhibitedBy: string[] }> => {
      const res = await fetch(`${am!.url}/api/v2/alerts?filter=node%3D%22node-1%22&filter=severity%3D%22warning%22`);
      const alerts = (await res.json()) as { status: { state: string; inhibitedBy: string[] } }[];
      expect(alerts).toHaveLength(1);
      return alerts[0]!.status;
    };
    expect(await state()).toMatchObject({ state: 'suppressed' });
    expect((await state()).inhibitedBy).toHaveLength(1);
    // Several group intervals (1 s) have passed since node-2's warning went out: node-1's did not.
    await sleep(3000);
    expect(slackFor('node-1'), 'the inhibited warning reached Slack').toBeUndefined();

    // The critical resolves: PagerDuty gets the resolve event, and the warning is no longer inhibited.
    await post([alert('critical', 'node-1', '2%', new Date(Date.now() - 1000)), alert('warning', 'node-1', '2%')]);
    const resolved = await until('the PagerDuty resolve event', () => pagerduty('resolve'));
    expect((resolved.body as { routing_key: string }).routing_key).toBe(ROUTING_KEY);
    const slack = await until('the Slack message for node-1', () => slackFor('node-1'));
    expect(JSON.stringify(slack.body)).toContain(RUNBOOK('node-1'));
    expect((await state()).state).toBe('active');
  });
});
