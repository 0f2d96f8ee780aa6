// The alerting stage and the Alertmanager sink: per tick, the stage appends the snapshot to the rule
// history and evaluates the shipped rules (state machine, templates, ALERTS series included); the sink's
// send() only picks due alerts and queues them; a real Alertmanager then takes the queue in batches of 64.
// Run alone: `node bench/alerting.ts` prints the section.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { StageContext } from '../core/component.ts';
import type { Alert } from '../core/tick-output.ts';
import { createAlertingStage } from '../alerts/alerting-stage.ts';
import { alertingOptions } from '../alerts/config.ts';
import type { Sample } from '../core/samples.ts';
import { AlertmanagerSink } from '../sinks/alertmanager/alertmanager-sink.ts';
import { startAlertmanager } from '../test/peers/alertmanager.ts';
import { ms, num, table, verdict } from './markdown.ts';
import { percentile } from './scrape.ts';
import type { BenchContext, BenchSection } from './section.ts';
import { alertmanagerSinkOptions } from '../sinks/alertmanager/options.ts';

const PLAN = { stepMs: 10_000, historyHours: 6, measuredTicks: 360, alerts: 100, delivered: 10_000 } as const;
const GOAL_P99_MS = 20;
const logger = pino({ level: 'silent' });

/** One tick of a node with 16 CPUs, 12 filesystems, 8 disks and interfaces, and 1,500 series no rule reads. */
function samplesAt(i: number): Sample[] {
  const out: Sample[] = [];
  const g = (name: string, labels: Record<string, string>, value: number) => void out.push({ name, labels, value, kind: 'gauge' });
  const c = (name: string, labels: Record<string, string>, value: number) => void out.push({ name, labels, value, kind: 'counter' });
  for (let m = 0; m < 12; m++) {
    const l = { device: `/dev/sd${m}`, fstype: 'ext4', mountpoint: `/mnt/${m}` };
    g('node_filesystem_avail_bytes', l, 5e10 - i * 1e6);
    g('node_filesystem_size_bytes', l, 1e11);
    g('node_filesystem_readonly', l, 0);
    g('node_filesystem_files', l, 1e7);
    g('node_filesystem_files_free', l, 5e6);
  }
  for (let cpu = 0; cpu < 16; cpu++)
    for (const mode of ['user', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'nice'])
      c('node_cpu_seconds_total', { cpu: String(cpu), mode }, i * 1.25);
  for (let d = 0; d < 8; d++) {
    c('node_disk_io_time_weighted_seconds_total', { device: `sd${d}` }, i * 0.5);
    const l = { device: `eth${d}` };
    c('node_network_receive_errs_total', l, 0);
    c('node_network_transmit_errs_total', l, 0);
    c('node_network_receive_packets_total', l, i * 100);
    c('node_network_transmit_packets_total', l, i * 100);
  }
  g('node_memory_MemAvailable_bytes', {}, 4e9);
  g('node_memory_MemTotal_bytes', {}, 16e9);
  for (let k = 0; k < 12; k++) g('node_scrape_collector_success', { collector: `c${k}` }, 1);
  for (let k = 0; k < 1500; k++) g('node_unread_metric', { k: String(k) }, k);
  return out;
}

async function stageFigures(dir: string): Promise<{ p50: number; p99: number; samples: number; stopMs: number }> {
  const ctx: StageContext = {
    logger,
    now: Date.now,
    paths: { procfs: '/proc', sysfs: '/sys', rootfs: '/', udevData: '/run/udev/data' },
    signal: new AbortController().signal,
    stateDir: dir,
    nodeName: 'bench',
    externalUrl: 'http://bench:9464',
    meter: undefined as never,
    env: {},
  };
  const created = await createAlertingStage(alertingOptions.parse({}), ctx);
  if (!created.ok) throw new Error(`shipped rules do not load: ${created.errors[0]?.message}`);
  const stage = created.stage;
  await stage.start(new AbortController().signal);
  const ticks = (PLAN.historyHours * 3600_000) / PLAN.stepMs;
  const t0 = Date.now() - PLAN.historyHours * 3600_000;
  const times: number[] = [];
  for (let i = 0; i < ticks; i++) {
    const samples = samplesAt(i);
    const a = performance.now();
    await stage.evaluate({ timestamp: t0 + i * PLAN.stepMs, samples });
    if (i >= ticks - PLAN.measuredTicks) times.push(performance.now() - a);
  }
  const s = performance.now();
  await stage.stop();
  return { p50: percentile(times, 50), p99: percentile(times, 99), samples: samplesAt(0).length, stopMs: performance.now() - s };
}

async function sinkFigures(): Promise<{ sendP50: number; sendMax: number; deliverMs: number; sent: number; dropped: number }> {
  const am = await startAlertmanager({ config: 'route: { receiver: none }\nreceivers: [{ name: none }]\n' });
  try {
    const sink = new AlertmanagerSink(alertmanagerSinkOptions.parse({ alertmanagers: [{ url: am.url }], resendDelay: '1s' }), {
      logger,
      evaluationIntervalMs: 10_000,
    });
    await sink.start(new AbortController().signal);
    const alerts: Alert[] = Array.from({ length: PLAN.alerts }, (_, k) => ({
      labels: { alertname: `Bench${k % 10}`, node: 'bench', mountpoint: `/mnt/${k}`, severity: 'warning' },
      annotations: { summary: 'bench', runbook_url: `http://bench:9464/runbooks/Bench${k % 10}` },
      state: 'firing',
      activeAt: 0,
      firedAt: 0,
      value: k,
      generatorURL: 'http://bench:9464/graph',
    }));
    const times: number[] = [];
    const start = performance.now();
    // Every call is a resend (1.1 s apart on the tick clock), so every call queues all alerts.
    for (let i = 0; i < PLAN.delivered / PLAN.alerts; i++) {
      const a = performance.now();
      sink.send({ snapshot: { timestamp: Date.now() + i * 1100, samples: [] }, anomalies: [], alerts, alertTransitions: [] });
      times.push(performance.now() - a);
    }
    const value = (name: string) => sink.selfSamples().find((s) => s.name === name)!.value;
    while (value('vigil_alertmanager_queue_length') > 0 && performance.now() - start < 120_000) await new Promise((r) => setTimeout(r, 20));
    const deliverMs = performance.now() - start;
    const out = {
      sendP50: percentile(times, 50),
      sendMax: Math.max(...times),
      deliverMs,
      sent: value('vigil_alertmanager_sent_total'),
      dropped: value('vigil_alertmanager_dropped_total'),
    };
    await sink.stop();
    return out;
  } finally {
    await am.stop();
  }
}

export const alertingSection: BenchSection = {
  title: 'Alerting stage and Alertmanager delivery',
  async run(ctx: BenchContext): Promise<string> {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-bench-alerting-'));
    try {
      ctx.log(`alerting: shipped rules over ${PLAN.historyHours} h of ${PLAN.stepMs / 1000} s ticks`);
      const st = await stageFigures(dir);
      ctx.log('alerting: Alertmanager delivery');
      const sk = await sinkFigures();
      return [
        `In-process. Stage: the shipped rules (alerts/rules/*.rules.yml) evaluated at every tick over a synthetic node of ${st.samples} samples per tick, ` +
          `after ${PLAN.historyHours} h of history; the last ${PLAN.measuredTicks} ticks measured. Sink: ${PLAN.delivered / PLAN.alerts} ticks of ${PLAN.alerts} firing alerts ` +
          `queued for a real Alertmanager (Debian 0.25, loopback), then drained in batches of 64.`,
        '',
        table(
          ['figure', 'value', `goal`, 'met'],
          [
            ['stage.evaluate per tick, p50', ms(st.p50), '', ''],
            ['stage.evaluate per tick, p99', ms(st.p99), `< ${GOAL_P99_MS} ms`, verdict(st.p99 < GOAL_P99_MS)],
            ['stage.stop (history + alert state written, fsync)', ms(st.stopMs), '', ''],
            [
              `sink.send with ${PLAN.alerts} due alerts, p50 / max`,
              `${ms(sk.sendP50)} / ${ms(sk.sendMax)}`,
              '< 1 ms p50 (never waits on the network)',
              verdict(sk.sendP50 < 1),
            ],
            [`${num(sk.sent)} alerts delivered to Alertmanager`, `${num(sk.deliverMs / 1000)} s (${num(sk.sent / (sk.deliverMs / 1000))} alerts/s)`, '', ''],
            ['alerts dropped', num(sk.dropped), '0', verdict(sk.dropped === 0)],
          ],
        ),
      ].join('\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const body = await alertingSection.run({ log: (m) => process.stderr.write(`${m}\n`), root: '', vigil: undefined as never });
  process.stdout.write(`## ${alertingSection.title}\n\n${body}\n`);
}
