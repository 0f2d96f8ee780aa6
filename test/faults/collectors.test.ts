// Each collector's source failing, hanging and returning garbage, on a running agent reading a fake
// host tree (--path.procfs/sysfs/rootfs) that the test breaks and restores: the agent keeps serving
// /metrics and ticking, the fault shows as node_scrape_collector_success 0 with a
// VIGIL_ERR_COLLECTOR_FAILED log line naming the collector (or, for text that partly parses, as
// vigil_collector_parse_errors_total with VIGIL_ERR_COLLECTOR_PARSE_ERRORS), and once the file is back every collector succeeds again.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';
import { COLLECTOR_SOURCES, HostTree } from './host-tree.ts';
import { expectSection, type Row } from './reliability-doc.ts';

const COLLECTORS = Object.keys(COLLECTOR_SOURCES);
/** Sources that are free text (a kernel name, a clocksource, KEY=value lines): garbage there is a value, reported as read. */
const FREE_TEXT = new Set(['uname', 'os', 'time']);
const SOURCES = [...new Set(Object.values(COLLECTOR_SOURCES))];

let tree: HostTree;
let agent: AgentPeer;
const rows: Row[] = [];

interface CollectorView {
  success: number;
  parseErrors: number;
}

async function view(): Promise<{ ticks: number; byCollector: Map<string, CollectorView> }> {
  const e = parsePromText(await agent.scrape());
  const byLabel = (name: string) => new Map((e.families.get(name)?.samples ?? []).map((s) => [s.labels.collector, s.value]));
  const success = byLabel('node_scrape_collector_success');
  const parse = byLabel('vigil_collector_parse_errors_total');
  const byCollector = new Map<string, CollectorView>();
  for (const c of COLLECTORS) {
    byCollector.set(c, { success: success.get(c) ?? Number.NaN, parseErrors: parse.get(c) ?? 0 });
  }
  return { ticks: scalar(e, 'vigil_ticks_total'), byCollector };
}

beforeAll(async () => {
  tree = new HostTree(mkdtempSync(path.join(tmpdir(), 'vigil-faults-host-')));
  agent = await startAgent({ interval: '500ms', args: tree.args(), env: { VIGIL_COLLECTOR_TIMEOUT: '300ms' } });
  await until('every collector succeeding on the intact tree', async () => [...(await view()).byCollector.values()].every((v) => v.success === 1), {
    context: () => agent.stdout().slice(-3000),
  });
});

afterAll(async () => {
  if (tree !== undefined) for (const f of SOURCES) tree.release(f);
  await agent?.stop();
  if (tree !== undefined) rmSync(tree.root, { recursive: true, force: true });
});

const MODES = {
  garbage: (f: string) => tree.garbage(f),
  unreadable: (f: string) => tree.unreadable(f),
  hanging: (f: string) => tree.hang(f),
} as const;

describe('collector sources under fault', () => {
  it.each(Object.keys(MODES) as (keyof typeof MODES)[])('[collector-%s] every source at once: served, visible, coded, recovered', async (mode) => {
    const before = await view();
    const logsBefore = agent.logs().length;
    for (const f of SOURCES) MODES[mode](f);
    // Two full ticks with the fault in place.
    await until('two ticks under the fault', async () => (await view()).ticks >= before.ticks + 3, { timeoutMs: 20_000 });
    const during = await view();
    const newLogs = agent.logs().slice(logsBefore);
    const failedLogs = newLogs.filter((e) => e.code === 'VIGIL_ERR_COLLECTOR_FAILED');
    const skippingLogs = newLogs.filter((e) => e.code === 'VIGIL_ERR_COLLECTOR_PARSE_ERRORS');
    for (const c of COLLECTORS) {
      const v = during.byCollector.get(c)!;
      const logged = failedLogs.some((e) => e.collector === c);
      const parseErrors = v.parseErrors - before.byCollector.get(c)!.parseErrors;
      const fault = `${c}: ${mode} \`${COLLECTOR_SOURCES[c]}\``;
      if (v.success === 0 && logged)
        rows.push({ fault, metric: `node_scrape_collector_success 0`, code: 'VIGIL_ERR_COLLECTOR_FAILED', recovered: 'success 1' });
      else if (v.success === 1 && parseErrors > 0) {
        const coded = skippingLogs.some((e) => e.collector === c);
        rows.push({ fault, metric: 'vigil_collector_parse_errors_total', code: coded ? 'VIGIL_ERR_COLLECTOR_PARSE_ERRORS' : '—', recovered: 'success 1' });
      } else if (mode === 'garbage' && FREE_TEXT.has(c) && v.success === 1)
        rows.push({ fault, metric: '— (free text: reported as read)', code: '—', recovered: 'success 1' });
      else
        rows.push({
          fault,
          metric: `NOT VISIBLE (success ${v.success}, parse errors +${parseErrors})`,
          code: logged ? 'VIGIL_ERR_COLLECTOR_FAILED' : 'none',
          recovered: 'success 1',
        });
    }
    // Recovery: blocked readers released, the good files back; every collector succeeds again.
    for (const f of SOURCES) {
      if (mode === 'hanging') tree.release(f);
      tree.restore(f);
    }
    await until('every collector succeeding again', async () => [...(await view()).byCollector.values()].every((v) => v.success === 1), {
      timeoutMs: 20_000,
      context: () => agent.stdout().slice(-2000),
    });
    expect(agent.exit).toBeUndefined();
  });

  it('[collector-statfs] a mount point of the mount table missing under the rootfs, then back', async () => {
    const deviceError = async () =>
      parsePromText(await agent.scrape())
        .families.get('node_filesystem_device_error')
        ?.samples.find((x) => x.labels.mountpoint === '/data')?.value;
    expect(await deviceError()).toBe(0);
    rmSync(path.join(tree.root, 'data'), { recursive: true });
    await until('the mount reported with a device error', async () => (await deviceError()) === 1);
    expect((await view()).byCollector.get('filesystem')!.success).toBe(1);
    mkdirSync(path.join(tree.root, 'data'));
    await until('the device error cleared', async () => (await deviceError()) === 0);
    rows.push({
      fault: 'filesystem: statfs fails (mount point missing under the rootfs)',
      metric: 'node_filesystem_device_error 1',
      code: '— (debug only, as node_exporter: some mounts always fail)',
      recovered: 'device_error 0',
    });
  });

  it('the outcomes are the ones docs/reliability.md states', () => {
    expectSection('collectors.test.ts', rows);
  });
});
