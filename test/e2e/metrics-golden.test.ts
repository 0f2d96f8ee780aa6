// /metrics of a fixed host tree, byte for byte against a committed golden file: refactors must not
// change what users scrape. Values that depend on the moment (process metrics, durations, tick
// counts, the clock, the always-firing VigilWatchdog's ALERTS_FOR_STATE, how many scrapes built the text) are replaced by "<v>"; their names, labels, HELP and TYPE lines still count.
// A deliberate change of the output: regenerate with `UPDATE_GOLDEN=1 vitest run test/e2e/metrics-golden`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';
import { until } from '../peers/child.ts';

const TREE = fileURLToPath(new URL('./testdata/golden-host/', import.meta.url));
const GOLDEN = fileURLToPath(new URL('./testdata/golden-host.metrics.txt', import.meta.url));

/** Families whose values change from run to run on the same tree. */
const VOLATILE =
  /^(process_|nodejs_|node_time_seconds|node_scrape_collector_duration_seconds|vigil_tick|vigil_config_last_reload_success_timestamp_seconds|vigil_rule_evaluation|vigil_rule_group_last|vigil_rule_history_points|vigil_detector_inference_seconds|vigil_alerting_|vigil_history_|vigil_scrape_cache_builds_total|ALERTS_FOR_STATE)/;

/** The exposition with volatile values masked; line order kept. */
export function maskVolatile(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('#') || line === '') return line;
      const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? '';
      if (!VOLATILE.test(name)) return line;
      const cut = line.lastIndexOf(' ');
      return `${line.slice(0, cut)} <v>`;
    })
    .join('\n');
}

describe('/metrics of a fixed host tree', () => {
  let agent: AgentPeer | undefined;
  const state = mkdtempSync(path.join(tmpdir(), 'vigil-golden-'));

  afterAll(async () => {
    await agent?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it('is byte-identical to the golden file (volatile values masked)', async () => {
    agent = await startAgent({
      interval: '1s',
      args: [
        `--state-dir=${state}`,
        `--path.procfs=${path.join(TREE, 'proc')}`,
        `--path.sysfs=${path.join(TREE, 'sys')}`,
        `--path.rootfs=${path.join(TREE, 'root')}`,
        `--path.udev.data=${path.join(TREE, 'udev')}`,
      ],
      env: { NODE_NAME: 'golden-node', VIGIL_LOG_LEVEL: 'warn' },
    });
    // Two ticks: every stage has run at least once after a previous tick (rates, rule history).
    let text = '';
    await until('two ticks', async () => {
      text = await agent!.scrape();
      return scalar(parsePromText(text), 'vigil_ticks_total') >= 2;
    });
    const masked = maskVolatile(text);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, masked);
    expect(masked).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
