// A bounded ring of a series' recent raw values: what on-node retraining learns from, kept per
// series so the history of a busy node cannot grow without bound.
export class RawHistory {
  private readonly ring: Float32Array;
  private head = 0;
  private size = 0;

  constructor(capacity: number) {
    this.ring = new Float32Array(capacity);
  }

  /** A history holding `values` (oldest first; only the newest `capacity` are kept). */
  static from(values: Float32Array, capacity: number): RawHistory {
    const h = new RawHistory(capacity);
    for (let i = Math.max(0, values.length - capacity); i < values.length; i++) h.push(values[i]!);
    return h;
  }

  get length(): number {
    return this.size;
  }

  /** Non-finite values (gaps) are not history. */
  push(x: number): void {
    if (!Number.isFinite(x)) return;
    this.ring[this.head] = x;
    this.head = this.head + 1 === this.ring.length ? 0 : this.head + 1;
    if (this.size < this.ring.length) this.size++;
  }

  /** A copy, oldest first. */
  values(): Float32Array {
    const out = new Float32Array(this.size);
    const start = this.size === this.ring.length ? this.head : 0;
    for (let i = 0; i < this.size; i++) out[i] = this.ring[(start + i) % this.ring.length]!;
    return out;
  }
}
