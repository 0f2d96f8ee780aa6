// Prometheus' send rules: when each alert goes to Alertmanager and with which endsAt.
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../core/tick-output.ts';
import { ResendSchedule } from './resend.ts';

const S = 1000;
const M = 60 * S;

function alert(over: Partial<Alert> = {}): Alert {
  return {
    labels: { alertname: 'A', node: 'n1' },
    annotations: {},
    state: 'firing',
    activeAt: 0,
    firedAt: 0,
    value: 1,
    generatorURL: 'http://n1/graph',
    ...over,
  };
}

describe('resend schedule (resendDelay 1m, evaluationInterval 10s)', () => {
  const iso = (ms: number) => new Date(ms).toISOString();

  it('never sends pending alerts', () => {
    expect(new ResendSchedule(M, 10 * S).due([alert({ state: 'pending', firedAt: undefined })], 0)).toEqual([]);
  });

  it('sends a firing alert at once, then again only after the resend delay, valid for 4 × max(resendDelay, interval)', () => {
    const s = new ResendSchedule(M, 10 * S);
    const first = s.due([alert()], 0);
    expect(first).toEqual([{ labels: { alertname: 'A', node: 'n1' }, annotations: {}, startsAt: iso(0), endsAt: iso(4 * M), generatorURL: 'http://n1/graph' }]);
    expect(s.due([alert()], 10 * S)).toEqual([]);
    expect(s.due([alert()], M)).toEqual([]);
    const again = s.due([alert()], M + 10 * S);
    expect(again.map((a) => a.endsAt)).toEqual([iso(M + 10 * S + 4 * M)]);
  });

  it('uses the evaluation interval when it is longer than the resend delay', () => {
    const s = new ResendSchedule(10 * S, 2 * M);
    expect(s.due([alert()], 0)[0]!.endsAt).toBe(iso(8 * M));
  });

  it('sends a resolution at once with endsAt = resolve time, then every resend delay while held', () => {
    const s = new ResendSchedule(M, 10 * S);
    s.due([alert()], 0);
    const resolved = alert({ state: 'inactive', resolvedAt: 20 * S });
    expect(s.due([resolved], 20 * S).map((a) => a.endsAt)).toEqual([iso(20 * S)]);
    expect(s.due([resolved], 30 * S)).toEqual([]);
    expect(s.due([resolved], 80 * S + 1).map((a) => a.endsAt)).toEqual([iso(20 * S)]);
  });

  it('a new firing of the same labels soon after a resolution is sent at once', () => {
    const s = new ResendSchedule(M, 10 * S);
    s.due([alert()], 0);
    s.due([alert({ state: 'inactive', resolvedAt: 10 * S })], 10 * S);
    expect(s.due([alert({ activeAt: 20 * S, firedAt: 20 * S })], 20 * S)).toHaveLength(1);
  });
});
