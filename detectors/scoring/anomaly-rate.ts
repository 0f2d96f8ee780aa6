// vigil_host_anomaly_rate: the share of scored points flagged over a trailing time span (5 min),
// kept as a small ring of per-tick counts so that it costs nothing per series.
const ANOMALY_RATE_SPAN_MS = 5 * 60_000;
const SLOTS = 1024;

export class AnomalyRate {
  private readonly at = new Float64Array(SLOTS);
  private readonly flagged = new Uint32Array(SLOTS);
  private readonly scored = new Uint32Array(SLOTS);
  private head = 0;
  private size = 0;
  private readonly spanMs: number;

  constructor(spanMs = ANOMALY_RATE_SPAN_MS) {
    this.spanMs = spanMs;
  }

  /** Records one tick and returns the rate over the span ending at `now` (0 when nothing was scored). */
  record(now: number, flagged: number, scored: number): number {
    this.at[this.head] = now;
    this.flagged[this.head] = flagged;
    this.scored[this.head] = scored;
    this.head = (this.head + 1) % SLOTS;
    if (this.size < SLOTS) this.size++;
    let f = 0;
    let s = 0;
    for (let k = 1; k <= this.size; k++) {
      const i = (this.head - k + SLOTS) % SLOTS;
      if (now - this.at[i]! >= this.spanMs) break;
      f += this.flagged[i]!;
      s += this.scored[i]!;
    }
    return s === 0 ? 0 : f / s;
  }
}
