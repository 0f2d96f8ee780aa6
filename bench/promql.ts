// PromQL rule evaluation: per tick, the agent appends the snapshot to the rule history and evaluates
// every rule. Measured in-process over a synthetic node (~2,000 series at 10 s resolution, 6 h of
// filesystem history for predict_linear) with a dozen node-mixin-like rules.
// Run alone: `node bench/promql.ts` prints the section.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { CompiledExpr } from '../alerts/engine/api.ts';
import { compileExpr } from '../alerts/engine/compile.ts';
import { type SnapshotLike, HistoryStore } from '../alerts/engine/history.ts';
import { mb, ms, num, table, verdict } from './markdown.ts';
import { percentile } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';

const PLAN = { stepMs: 10_000, historyHours: 6, measuredTicks: 300 } as const;
const GOAL_P99_MS = 20;

const BENCH_RULES: readonly string[] = [
  'node_filesystem_avail_bytes{fstype!=""} / node_filesystem_size_bytes{fstype!=""} * 100 < 40 and predict_linear(node_filesystem_avail_bytes{fstype!=""}[6h], 24 * 60 * 60) < 0 and node_filesystem_readonly{fstype!=""} == 0',
  'node_filesystem_avail_bytes{fstype!=""} / node_filesystem_size_bytes{fstype!=""} * 100 < 5 and node_filesystem_readonly{fstype!=""} == 0',
  'node_filesystem_files_free{fstype!=""} / node_filesystem_files{fstype!=""} * 100 < 5 and node_filesystem_readonly{fstype!=""} == 0',
  '100 - (node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes * 100) > 90',
  'sum without(mode) (avg without(cpu) (rate(node_cpu_seconds_total{mode!="idle"}[2m]))) * 100 > 90',
  'rate(node_disk_io_time_weighted_seconds_total{device=~"(/dev/)?(nvme.+|sd.+|vd.+|dm-.+)"}[5m]) > 10',
  'rate(node_network_receive_errs_total[2m]) / rate(node_network_receive_packets_total[2m]) > 0.01',
  'rate(node_network_transmit_errs_total[2m]) / rate(node_network_transmit_packets_total[2m]) > 0.01',
  'node_load1 / on() group_left count(node_cpu_seconds_total{mode="idle"}) > 2',
  'max_over_time(pg_replication_lag_seconds[5m]) > 30',
  'absent(pg_up{target="primary"})',
  'topk(3, rate(node_network_receive_bytes_total[5m])) > 1e8',
  'changes(node_boot_time_seconds[30m]) > 0',
  'increase(node_vmstat_oom_kill[10m]) > 0',
];

/** One tick of a synthetic node: 128 CPUs, 60 filesystems, 40 disks, 50 interfaces, 100 replication targets. */
function snapshotAt(t: number): SnapshotLike {
  const s = t / 1000;
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const push = (name: string, labels: Record<string, string>, value: number): void => void samples.push({ name, labels, value });
  for (let cpu = 0; cpu < 128; cpu++) {
    for (const [i, mode] of ['idle', 'user', 'system', 'iowait', 'irq', 'softirq', 'steal', 'nice'].entries()) {
      push('node_cpu_seconds_total', { cpu: String(cpu), mode }, s * (i === 0 ? 0.7 : 0.04) + cpu);
    }
  }
  for (let fs = 0; fs < 60; fs++) {
    const labels = { device: `/dev/sd${fs}`, fstype: 'ext4', mountpoint: `/mnt/${fs}` };
    push('node_filesystem_avail_bytes', labels, 5e11 - s * 1000 * fs + Math.sin(s / 600) * 1e6);
    push('node_filesystem_size_bytes', labels, 1e12);
    push('node_filesystem_files_free', labels, 6e7 - s);
    push('node_filesystem_files', labels, 6.5e7);
    push('node_filesystem_readonly', labels, 0);
  }
  for (let d = 0; d < 40; d++) {
    push('node_disk_io_time_weighted_seconds_total', { device: `sd${d}` }, s * 0.3 * (d % 5));
    push('node_disk_read_bytes_total', { device: `sd${d}` }, s * 1e6);
    push('node_disk_written_bytes_total', { device: `sd${d}` }, s * 2e6);
  }
  for (let n = 0; n < 50; n++) {
    const labels = { device: `eth${n}` };
    for (const dir of ['receive', 'transmit']) {
      push(`node_network_${dir}_errs_total`, labels, Math.floor(s / 100));
      push(`node_network_${dir}_packets_total`, labels, s * 1000 * (n + 1));
      push(`node_network_${dir}_bytes_total`, labels, s * 1e6 * (n + 1));
    }
  }
  for (let p = 0; p < 100; p++) {
    push('pg_replication_lag_seconds', { target: `replica${p}` }, (s % 60) / 10);
    push('pg_up', { target: `replica${p}` }, 1);
  }
  push('pg_up', { target: 'primary' }, 1);
  push('node_memory_MemAvailable_bytes', {}, 3e10);
  push('node_memory_MemTotal_bytes', {}, 6.4e10);
  push('node_load1', {}, 3);
  push('node_boot_time_seconds', {}, 1.7e9);
  push('node_vmstat_oom_kill', {}, 0);
  return { timestamp: t, samples };
}

async function measurePromql(ctx: Pick<BenchContext, 'log'>): Promise<string> {
  const rules: CompiledExpr[] = BENCH_RULES.map((text) => {
    const c = compileExpr(text);
    if (!c.ok) throw new Error(`${text}: ${c.errors[0]?.message}`);
    return c.expr;
  });
  const retention = new Map<string, number>();
  for (const r of rules) for (const [m, span] of r.lookbackByMetric) retention.set(m, Math.max(retention.get(m) ?? 0, span));
  const history = new HistoryStore({ retentionByMetric: retention });
  const start = 1_700_000_000_000;
  const fillTicks = (PLAN.historyHours * 3600_000) / PLAN.stepMs;
  ctx.log(`promql: filling ${PLAN.historyHours} h of history (${fillTicks} ticks)`);
  const snapshots = Array.from({ length: 60 }, (_, i) => snapshotAt(start + i * PLAN.stepMs));
  const sampleCount = snapshots[0]?.samples.length ?? 0;
  // Values don't matter for the fill: reuse the sample objects with new timestamps.
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let i = 0; i < fillTicks; i++) {
    const base = snapshots[i % snapshots.length] as SnapshotLike;
    history.append({ timestamp: start + i * PLAN.stepMs, samples: base.samples });
  }
  const t0 = start + fillTicks * PLAN.stepMs;
  const appendMs: number[] = [];
  const evalMs: number[] = [];
  const totalMs: number[] = [];
  const cpuBefore = process.cpuUsage();
  let alerts = 0;
  ctx.log(`promql: ${PLAN.measuredTicks} measured ticks`);
  for (let i = 0; i < PLAN.measuredTicks; i++) {
    const t = t0 + i * PLAN.stepMs;
    const snap = snapshotAt(t);
    const a = performance.now();
    history.append(snap);
    const b = performance.now();
    for (const r of rules) {
      const v = r.evaluate(history, t);
      if (v.kind === 'vector') alerts += v.samples.length;
    }
    const c = performance.now();
    appendMs.push(b - a);
    evalMs.push(c - b);
    totalMs.push(c - a);
  }
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time is less disturbed than wall time by other work on a shared machine.
  const cpuPerTickMs = (cpu.user + cpu.system) / 1000 / PLAN.measuredTicks;
  global.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  const stats = history.stats();
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-promql-'));
  let saveMs: number;
  let loadMs: number;
  let fileBytes: number;
  try {
    const file = path.join(dir, 'history.bin');
    const s0 = performance.now();
    await history.save(file);
    saveMs = performance.now() - s0;
    fileBytes = statSync(file).size;
    const restored = new HistoryStore({ retentionByMetric: retention });
    const l0 = performance.now();
    await restored.load(file);
    loadMs = performance.now() - l0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const p99 = percentile(totalMs, 99);
  return [
    `${rules.length} node-mixin-like rules (bench/promql.ts) over a synthetic node: ${sampleCount} samples per tick, ` +
      `${stats.series} series kept in the rule history (${stats.points} points; 6 h for the filesystem series that predict_linear reads, ` +
      `minutes for the rest), ${PLAN.stepMs / 1000} s ticks, ${PLAN.measuredTicks} measured ticks after the fill; in-process, one thread. ` +
      `${alerts} result elements over the run (the rules are made to fire sometimes).`,
    '',
    table(
      ['Per tick', 'p50', 'p99', 'max'],
      [
        ['append snapshot to history', ms(percentile(appendMs, 50)), ms(percentile(appendMs, 99)), ms(Math.max(...appendMs))],
        ['evaluate all rules', ms(percentile(evalMs, 50)), ms(percentile(evalMs, 99)), ms(Math.max(...evalMs))],
        ['total', ms(percentile(totalMs, 50)), ms(p99), ms(Math.max(...totalMs))],
      ],
    ),
    '',
    table(
      ['Figure', 'Value'],
      [
        [`total p99 under ${GOAL_P99_MS} ms`, verdict(p99 < GOAL_P99_MS)],
        ['CPU time per tick (mean, append + evaluate + building the synthetic snapshot)', ms(cpuPerTickMs)],
        ['heap held by the history after the fill and run', mb(heapAfter - heapBefore)],
        ['history file size', mb(fileBytes)],
        ['save (temp + fsync + rename)', ms(saveMs)],
        ['load', ms(loadMs)],
        ['series / points dropped by the caps', `${num(stats.droppedSamples)} / ${num(stats.droppedPoints)}`],
      ],
    ),
  ].join('\n');
}

export const promqlSection: BenchSection = {
  title: 'PromQL rule evaluation',
  run: (ctx) => measurePromql(ctx),
};

if (import.meta.main) {
  process.stdout.write(`${await measurePromql({ log: (m) => process.stderr.write(`${m}\n`) })}\n`);
}
