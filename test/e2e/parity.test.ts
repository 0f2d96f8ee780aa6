// Vigil against the real node_exporter on the same host: same families, types, label keys, series,
// and values that agree once the moment of reading is accounted for.
//
// Timing: the agent serves the snapshot of its last tick (--interval 1s), node_exporter reads /proc
// when scraped. So node_exporter is scraped once (n0), then ~1.3 s later the agent and node_exporter
// together (Promise.all; n1). The agent's tick then lies between the two node_exporter reads, which
// node_time_seconds of all three proves (else the sample is taken again). A counter read by the agent
// must lie between n0 and n1; a gauge too, unless it moves faster than that (see the tolerances).
// Three such samples are taken; a difference fails the test when it shows in all three.
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { settleAll, until } from '../peers/child.ts';
import { type NodeExporterPeer, startNodeExporter } from '../peers/node-exporter.ts';
import { type Exposition, type PromFamily, parsePromText, scalar, seriesOf } from '../peers/prom-text.ts';

const FAMILIES = [
  'node_cpu_seconds_total',
  'node_boot_time_seconds',
  'node_context_switches_total',
  'node_intr_total',
  'node_forks_total',
  'node_procs_running',
  'node_procs_blocked',
  ...['size_bytes', 'free_bytes', 'avail_bytes', 'files', 'files_free', 'readonly', 'device_error'].map((s) => `node_filesystem_${s}`),
  ...['reads_completed', 'writes_completed', 'read_bytes', 'written_bytes', 'io_time_seconds', 'io_time_weighted_seconds'].map((s) => `node_disk_${s}_total`),
  'node_disk_io_now',
  ...['receive', 'transmit'].flatMap((dir) => ['bytes', 'packets', 'errs', 'drop'].map((f) => `node_network_${dir}_${f}_total`)),
  'node_load1',
  'node_load5',
  'node_load15',
  'node_uname_info',
  'node_os_info',
  'node_os_version',
  'node_time_seconds',
  'node_textfile_scrape_error',
];

/** Families compared as a group: every family node_exporter exposes under the prefix. */
const PREFIXES = ['node_memory_', 'node_pressure_'];

interface Tolerance {
  /** Relative to the larger of node_exporter's two readings. */
  readonly rel: number;
  /** Absolute, in the metric's unit. */
  readonly abs: number;
}

const DEFAULT_TOLERANCE: Tolerance = { rel: 0.02, abs: 0 };
const EXACT: Tolerance = { rel: 0, abs: 0 };
const CPUS = availableParallelism();

// Gauges that are instantaneous readings of fast-moving kernel state: they may leave the n0…n1
// range and come back between two reads ~1 s apart, so they get an absolute allowance on top of it.
const VOLATILE: Readonly<Record<string, Tolerance>> = {
  // Runnable tasks at one instant. Each reader counts itself, and this suite runs two vitest workers,
  // Prometheus, two exporters and short-lived Node processes on CPUS cores: bursts of runnable threads
  // (V8/libuv workers starting) swing it by a few per core within a second. 2 per core + 4 stays far
  // below what a wrong field would show (total tasks here are in the hundreds).
  node_procs_running: { rel: 0, abs: 2 * CPUS + 4 },
  // Tasks in uninterruptible sleep (disk waits): fsync bursts of Prometheus' TSDB in the other worker.
  node_procs_blocked: { rel: 0, abs: 4 },
  // Requests in flight on a device right now: the virtio queue fills and drains in milliseconds.
  node_disk_io_now: { rel: 0, abs: 16 },
  // The kernel updates load averages every 5 s, so between n0 and n1 (~1.3 s) there is at most one
  // step, and the agent's reading is n0 or n1; 0.01 is the two-decimal rounding of /proc/loadavg.
  node_load1: { rel: 0, abs: 0.01 },
  node_load5: { rel: 0, abs: 0.01 },
  node_load15: { rel: 0, abs: 0.01 },
  // btime is an integer in /proc/stat, recomputed from the clock: a clock step may move it by a second.
  node_boot_time_seconds: { rel: 0, abs: 1 },
  // Must lie between node_exporter's two clocks; 2 % of the epoch would be a year.
  node_time_seconds: EXACT,
  node_uname_info: EXACT,
  node_os_info: EXACT,
  node_os_version: EXACT,
};

// node_memory_* fields that only change when the machine is reconfigured; every other field moves
// with page cache, anonymous memory and slab as processes start and stop. Starting one Node process
// (the agent or vitest's fork) maps ~50–130 MB within a second, so moving fields may differ from
// both node_exporter readings by up to 128 MiB in addition to the 2 %.
const STATIC_MEMORY = new Set(['MemTotal', 'SwapTotal', 'CommitLimit', 'VmallocTotal', 'Hugepagesize', 'HugePages_Total', 'Hugetlb', 'DirectMap1G']);
const MEMORY_MOVES: Tolerance = { rel: 0.02, abs: 128 * 1024 * 1024 };
// Commit charge jumps most: measured here, starting one Node process raised Committed_AS by ~750 MB
// and its exit dropped it by ~300 MB within a second. 1 GiB still tells bytes from kB (×1024).
const COMMIT_MOVES: Tolerance = { rel: 0.02, abs: 1024 * 1024 * 1024 };

function toleranceFor(name: string): Tolerance {
  const v = VOLATILE[name];
  if (v !== undefined) return v;
  if (name === 'node_memory_Committed_AS_bytes') return COMMIT_MOVES;
  const mem = /^node_memory_(.+?)(_bytes)?$/.exec(name);
  if (mem !== null) return STATIC_MEMORY.has(mem[1]!) ? DEFAULT_TOLERANCE : MEMORY_MOVES;
  return DEFAULT_TOLERANCE;
}

/**
 * The readers' own spread: each reads its files within one scrape, not all at the instant of its
 * node_time_seconds. A counter may move by its rate over that much on top of the n0…n1 range.
 */
const READ_JITTER_S = 0.1;

/** Bracketed samples taken; a difference must show in every one of them to fail (see persistentProblems). */
const SAMPLES = 3;

interface Sample {
  readonly ne0: Exposition;
  readonly agent: Exposition;
  readonly ne1: Exposition;
  /** node_time_seconds of each. */
  readonly t0: number;
  readonly tAgent: number;
  readonly t1: number;
}

/** n0, then agent and n1 together, such that the agent's tick lies between the two node_exporter reads. */
async function takeSample(agent: AgentPeer, ne: NodeExporterPeer): Promise<Sample> {
  const misses: string[] = [];
  for (let attempt = 1; attempt <= 4; attempt++) {
    const ne0 = parsePromText(await ne.scrape());
    const afterN0 = Date.now() / 1000;
    // More than the agent's interval: its next tick starts after n0 was read.
    await sleep(1300);
    const [a, n1] = await Promise.all([agent.scrape(), ne.scrape()]);
    const s = { ne0, agent: parsePromText(a), ne1: parsePromText(n1) };
    const t0 = scalar(s.ne0, 'node_time_seconds');
    const tAgent = scalar(s.agent, 'node_time_seconds');
    const t1 = scalar(s.ne1, 'node_time_seconds');
    // The agent's tick must start after node_exporter answered n0 (its reads are done by then), with
    // 50 ms to spare for the agent's reads that are issued a moment before its clock is read.
    if (tAgent > afterN0 + 0.05 && tAgent < t1) return { ...s, t0, tAgent, t1 };
    misses.push(`attempt ${attempt}: n0 at ${t0}, answered by ${afterN0}, agent at ${tAgent}, n1 at ${t1}`);
  }
  throw new Error(`could not take a sample with the agent's tick between two node_exporter reads:\n${misses.join('\n')}`);
}

const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(12).replace(/\.?0+$/, ''));

/** Every difference between the agent's and node_exporter's view of one family: what → readable line. */
function compareFamily(name: string, s: Sample): Map<string, string> {
  const problems = new Map<string, string>();
  const add = (key: string, line: string) => problems.set(key, line);
  const a = s.agent.families.get(name);
  const n1 = s.ne1.families.get(name);
  const n0 = s.ne0.families.get(name);
  if (n1 === undefined || n1.samples.length === 0) return new Map([['absent', `${name}: node_exporter does not expose it (cannot compare)`]]);
  if (a === undefined || a.samples.length === 0)
    return new Map([['missing', `${name}: missing from the agent (node_exporter has ${n1.samples.length} series)`]]);
  if (a.type !== n1.type) add('type', `${name}: TYPE ${a.type ?? '(none)'} in the agent, ${n1.type ?? '(none)'} in node_exporter`);
  const keys = (f: PromFamily): string => [...new Set(f.samples.flatMap((x) => Object.keys(x.labels)))].sort().join(',');
  if (keys(a) !== keys(n1)) add('keys', `${name}: label keys {${keys(a)}} in the agent, {${keys(n1)}} in node_exporter`);

  let aSeries;
  try {
    aSeries = seriesOf(a);
  } catch (err) {
    return add('duplicates', `${name}: agent: ${(err as Error).message}`);
  }
  const n1Series = seriesOf(n1);
  const n0Series = seriesOf(n0);
  for (const k of n1Series.keys()) if (!aSeries.has(k)) add(`${k} missing`, `${k}: only in node_exporter (value ${fmt(n1Series.get(k)!.value)})`);
  for (const k of aSeries.keys()) if (!n1Series.has(k)) add(`${k} extra`, `${k}: only in the agent (value ${fmt(aSeries.get(k)!.value)})`);

  const tol = toleranceFor(name);
  const dt = s.t1 - s.t0;
  for (const [k, sa] of aSeries) {
    const v1 = n1Series.get(k)?.value;
    if (v1 === undefined) continue;
    const v0 = n0Series.get(k)?.value ?? v1;
    const lo = Math.min(v0, v1);
    const hi = Math.max(v0, v1);
    const scale = Math.max(Math.abs(v0), Math.abs(v1));
    // Counters: within 2 %, or within what they moved between n0 and n1 plus their rate over the
    // readers' spread. Gauges: within their tolerance of the n0…n1 range.
    const rateSlack = a.type === 'counter' ? ((hi - lo) / dt) * READ_JITTER_S : 0;
    const slack = Math.max(tol.rel * scale, tol.abs, rateSlack) + 1e-9 * scale + 1e-12;
    if (!(sa.value >= lo - slack && sa.value <= hi + slack)) {
      add(
        `${k} value`,
        `${k}: agent ${fmt(sa.value)} not in node_exporter ${fmt(v0)} → ${fmt(v1)} ± ${fmt(slack)}` +
          ` (${a.type}; agent read ${fmt(s.tAgent - s.t0)} s after n0, ${fmt(s.t1 - s.tAgent)} s before n1)`,
      );
    }
  }
  return problems;
}

/**
 * Problems found in every sample. A wrong name, type, label, series or unit is wrong every time;
 * a reading that a burst elsewhere on this (shared) machine pushed out of tolerance once is not.
 */
function persistentProblems(name: string, samples: readonly Sample[]): string[] {
  const each = samples.map((s) => compareFamily(name, s));
  const keys = [...each[0]!.keys()].filter((k) => each.every((m) => m.has(k)));
  return keys.map((k) => each.map((m, i) => `[sample ${i + 1}] ${m.get(k)}`).join('\n'));
}

describe('parity with node_exporter on this host', () => {
  let agent: AgentPeer | undefined;
  let ne: NodeExporterPeer | undefined;
  const samples: Sample[] = [];

  beforeAll(async () => {
    await settleAll([startAgent({ interval: '1s' }).then((p) => (agent = p)), startNodeExporter().then((p) => (ne = p))]);
    for (let i = 0; i < SAMPLES; i++) samples.push(await takeSample(agent!, ne!));
  });

  afterAll(async () => {
    await Promise.all([agent?.stop(), ne?.stop()]);
  });

  it('reads the agent between two node_exporter reads, within one interval of the second', () => {
    expect(samples).toHaveLength(SAMPLES);
    for (const s of samples) {
      expect(s.tAgent).toBeGreaterThan(s.t0);
      expect(s.tAgent).toBeLessThan(s.t1);
      // The served snapshot is the last tick's: at most one interval (plus a tick's run time) old.
      expect(s.t1 - s.tAgent).toBeLessThan(1.5);
    }
  });

  it.each(FAMILIES)('%s: same type, label keys, series and values', (name) => {
    expect(persistentProblems(name, samples), `${name} differs from node_exporter`).toEqual([]);
  });

  it.each(PREFIXES)('%s*: every family node_exporter has, same type, label keys, series and values', (prefix) => {
    const names = [...samples[0]!.ne1.families.keys()].filter((n) => n.startsWith(prefix));
    if (prefix === 'node_memory_') expect(names.length, 'node_exporter exposes node_memory_* families').toBeGreaterThan(10);
    if (prefix === 'node_pressure_' && existsSync('/proc/pressure/cpu')) expect(names.length, 'this kernel has PSI').toBeGreaterThan(0);
    const problems = names.flatMap((name) => persistentProblems(name, samples));
    expect(problems, `${prefix}* differs from node_exporter`).toEqual([]);
  });

  it('compares real data: many series, and counters that moved between the reads', () => {
    // Guards against a vacuous pass (e.g. empty scrapes on both sides).
    const s = samples[0]!;
    const cpu = seriesOf(s.ne1.families.get('node_cpu_seconds_total'));
    expect(cpu.size).toBeGreaterThanOrEqual(CPUS * 8);
    const cpuBefore = seriesOf(s.ne0.families.get('node_cpu_seconds_total'));
    const moved = [...cpu].filter(([k, v]) => v.value !== cpuBefore.get(k)?.value);
    expect(moved.length).toBeGreaterThan(0);
  });
});

// The textfile collector on one directory, read by both: good files, files node_exporter rejects whole,
// and families that conflict between files. Everything is static, so everything must be equal: series,
// values, help, and types, except where Vigil's /metrics serves a gauge (untyped families, counters not
// named *_total, the series of summaries and histograms; see collectors/textfile/textfile.ts).
const TEXTFILES: Readonly<Record<string, string>> = {
  'a.prom': [
    '# HELP app_jobs_total Jobs done, by "queue".\\n',
    '# TYPE app_jobs_total counter',
    'app_jobs_total{queue="x"} 3',
    'app_jobs_total 4',
    '# TYPE app_restarts counter',
    'app_restarts 2',
    '# HELP app_temp_celsius Temperature.',
    '# TYPE app_temp_celsius gauge',
    'app_temp_celsius{sensor="a \\"b\\" \\\\ c\\n"} -21.5',
    'app_temp_celsius{sensor="inf",} +Inf',
    '  app_untyped{a="1"} 7e3',
    '# TYPE app_latency_seconds histogram',
    'app_latency_seconds_bucket{le="0.1"} 1',
    'app_latency_seconds_bucket{le="+Inf"} 2',
    'app_latency_seconds_sum 0.3',
    'app_latency_seconds_count 2',
    '# TYPE app_rpc_seconds summary',
    'app_rpc_seconds{quantile="0.5"} 0.2',
    'app_rpc_seconds_sum 1',
    'app_rpc_seconds_count 3',
    '# TYPE app_size_bytes histogram',
    'app_size_bytes_bucket{path="/",le="1000000.0"} 4',
    'app_size_bytes_bucket{path="/",le="1e-5"} 1',
    'app_size_bytes_count{path="/"} 5',
    'app_size_bytes_bucket{le="5"} 1',
    '# TYPE app_q summary',
    'app_q{quantile="0.99"} 3',
    'app_q{quantile="0.5",x="1"} 2',
    '# a plain comment',
    '',
  ].join('\n'),
  'b.prom': [
    '# HELP app_jobs_total Other help.',
    '# TYPE app_jobs_total counter',
    'app_jobs_total{queue="y"} 9',
    '# TYPE app_temp_celsius counter',
    'app_temp_celsius{sensor="c"} 1',
    'app_untyped{a="2"} 8',
    'app_untyped{a="1"} 70',
    'app_only_b 1',
    '',
  ].join('\n'),
  'c-timestamps.prom': 'app_c 1 1700000000000\n',
  'd-syntax.prom': 'app_d{ 1\n',
  'e-duplicate-label.prom': 'app_e{a="1",a="2"} 1\n',
  'f-bad-escape.prom': 'app_f{a="\\q"} 1\n',
  'g-second-type.prom': '# TYPE app_g gauge\n# TYPE app_g gauge\napp_g 1\n',
  'h-unknown-type.prom': '# TYPE app_h number\napp_h 1\n',
  'i-not-a-number.prom': 'app_i one\n',
  'j-third-field.prom': 'app_j 1 2 3\n',
  'k-reserved-label.prom': 'app_k{__name__="x"} 1\n',
  'l-bucket-without-le.prom': '# TYPE app_l histogram\napp_l_bucket 1\n',
  'm-type-after-samples.prom': 'app_m 1\n# TYPE app_m gauge\n',
  'ignored.txt': 'app_txt 1\n',
};

/** Every sample of families with these prefixes, flattened: "name{labels}" → value. */
function flatSeries(e: Exposition, prefixes: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of e.families.values()) {
    if (!prefixes.some((p) => f.name.startsWith(p))) continue;
    for (const s of f.samples) {
      const labels = Object.keys(s.labels)
        .sort()
        .map((k) => `${k}=${JSON.stringify(s.labels[k])}`)
        .join(',');
      out.set(`${s.name}{${labels}}`, s.value);
    }
  }
  return out;
}

describe('textfile collector side by side with node_exporter on the same directory', () => {
  let agent: AgentPeer | undefined;
  let ne: NodeExporterPeer | undefined;
  let dir = '';
  let a: Exposition;
  let n: Exposition;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-textfile-parity-'));
    for (const [name, text] of Object.entries(TEXTFILES)) writeFileSync(path.join(dir, name), text);
    // Vigil gets node_exporter's own flag (an alias): the same args for both.
    const flag = `--collector.textfile.directory=${dir}`;
    await settleAll([
      startAgent({ interval: '1s', args: [flag] }).then((p) => (agent = p)),
      startNodeExporter({ collectors: ['textfile'], extraArgs: [flag] }).then((p) => (ne = p)),
    ]);
    [a, n] = (await Promise.all([agent!.scrape(), ne!.scrape()])).map(parsePromText) as [Exposition, Exposition];
  });

  afterAll(async () => {
    await Promise.all([agent?.stop(), ne?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the same series with the same values (first family wins, bad files skipped whole)', () => {
    const ns = flatSeries(n, ['app_', 'node_textfile_']);
    expect(ns.size, 'node_exporter read the good files').toBeGreaterThan(15);
    expect(Object.fromEntries(flatSeries(a, ['app_', 'node_textfile_']))).toEqual(Object.fromEntries(ns));
    expect(scalar(n, 'node_textfile_scrape_error')).toBe(1);
  });

  it("has the same HELP, and the same TYPE wherever Vigil serves the family's type", () => {
    for (const f of n.families.values()) {
      if (!f.name.startsWith('app_') && !f.name.startsWith('node_textfile_')) continue;
      const sampleNames = [...new Set(f.samples.map((s) => s.name))];
      for (const name of sampleNames) {
        const mine = a.families.get(name);
        expect(mine, `${name} in the agent`).toBeDefined();
        expect(mine!.help, `HELP of ${name}`).toBe(f.help);
        const servedAsIs = f.type === 'gauge' || (f.type === 'counter' && f.name.endsWith('_total'));
        expect(mine!.type, `TYPE of ${name} (${f.type})`).toBe(servedAsIs ? f.type : 'gauge');
      }
    }
  });

  it('keeps the rest of /metrics whole', () => {
    expect(scalar(a, 'node_load1')).toBeGreaterThanOrEqual(0);
  });

  it('reads the directory every tick: a file written (atomically, as cron jobs should) shows up, a removed one goes', async () => {
    const tmp = path.join(dir, '.new.prom.tmp');
    writeFileSync(tmp, 'app_cron_last_success_timestamp_seconds 1.7e9\n');
    renameSync(tmp, path.join(dir, 'new.prom'));
    await until(
      'the new file on /metrics',
      async () => parsePromText(await agent!.scrape()).families.get('app_cron_last_success_timestamp_seconds')?.samples[0]?.value === 1.7e9,
    );
    rmSync(path.join(dir, 'new.prom'));
    await until(
      'the removed file gone from /metrics',
      async () => !parsePromText(await agent!.scrape()).families.has('app_cron_last_success_timestamp_seconds'),
    );
  });
});
