// /proc/pressure/{cpu,io,memory}: "some avg10=0.00 avg60=0.00 avg300=0.00 total=12345" (microseconds).

export interface PressureTotals {
  /** Seconds some task was stalled on the resource. */
  some?: number;
  /** Seconds all non-idle tasks were stalled at once. */
  full?: number;
}

export function parsePressure(text: string): PressureTotals | undefined {
  const out: PressureTotals = {};
  for (const line of text.split('\n')) {
    const m = /^(some|full)\s.*\btotal=(\d+)/.exec(line);
    if (m) out[m[1] as 'some' | 'full'] = Number(m[2]) / 1e6;
  }
  return out.some === undefined && out.full === undefined ? undefined : out;
}
