// The families the alerting stage and the Alertmanager sink declare follow Prometheus' naming rules
// (the same checks docs/metrics.test.ts applies to the collectors' families).
import { describe, expect, it } from 'vitest';
import { ALERTMANAGER_METRICS } from '../../sinks/alertmanager/alertmanager-sink.ts';
import { RULE_METRICS } from './rule-manager.ts';

describe.each([
  ['rules', RULE_METRICS],
  ['alertmanager sink', ALERTMANAGER_METRICS],
])('%s metric declarations', (_owner, specs) => {
  it.each(specs.map((m) => [m.name, m] as const))('%s', (_name, m) => {
    expect(m.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    for (const l of m.labels) expect(l).toMatch(/^[a-zA-Z_][a-zA-Z0-9_]*$/);
    expect(m.name.endsWith('_total')).toBe(m.kind === 'counter');
    // Prometheus' own names for the alert series; Vigil's prefix for everything else.
    if (!m.name.startsWith('ALERTS')) expect(m.name).toMatch(/^vigil_/);
    expect(m.help.length).toBeGreaterThan(0);
  });
});
