// A plain restart must not break rules: the rule history restored from the state dir joins the
// series collected after the restart (one series each, not two), so rate() ratios keep answering.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type AgentPeer, startAgent } from '../peers/agent.ts';
import { until } from '../peers/child.ts';
import { parsePromText, scalar } from '../peers/prom-text.ts';

const stateDir = mkdtempSync(path.join(tmpdir(), 'vigil-restart-history-'));
let agent: AgentPeer | undefined;

afterAll(async () => {
  await agent?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function metrics(a: AgentPeer) {
  return parsePromText(await a.scrape());
}

const failures = async (a: AgentPeer): Promise<number> =>
  ((await metrics(a)).families.get('vigil_rule_evaluation_failures_total')?.samples ?? []).reduce((n, s) => n + s.value, 0);

describe('restart with a saved rule history', () => {
  it('evaluates every default rule without a failure across the restart', async () => {
    agent = await startAgent({ interval: '500ms', args: ['--state-dir', stateDir], env: { VIGIL_ALERTING__EVALUATION_INTERVAL: '500ms' } });
    await until('a few ticks', async () => scalar(await metrics(agent!), 'vigil_ticks_total') >= 4);
    expect(await failures(agent)).toBe(0);
    // SIGTERM: the agent saves its rule history on the way out.
    const exit = await agent.stop('SIGTERM');
    expect(exit.code).toBe(0);

    agent = await startAgent({ interval: '500ms', args: ['--state-dir', stateDir], env: { VIGIL_ALERTING__EVALUATION_INTERVAL: '500ms' } });
    await until('ticks after the restart', async () => scalar(await metrics(agent!), 'vigil_ticks_total') >= 6);
    expect(await failures(agent)).toBe(0);
    // rate() over the network counters answers, from points before and after the restart.
    const evaluations = (await metrics(agent)).families.get('vigil_rule_evaluations_total')?.samples ?? [];
    expect(evaluations.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(0);
  });
});
