// A FIFO bounded by message count and bytes that drops its oldest entries to make room, so a broker
// outage costs the oldest data, never the agent's memory. A ring of slots: push and shift are O(1)
// and allocate nothing once the ring has grown to its working size.

export interface Sized {
  /** Bytes this entry counts against the byte limit. */
  readonly bytes: number;
}

export class BoundedBuffer<T extends Sized> {
  private slots: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private count = 0;
  private byteCount = 0;
  private droppedCount = 0;

  readonly maxMessages: number;
  readonly maxBytes: number;

  constructor(maxMessages: number, maxBytes: number) {
    this.maxMessages = maxMessages;
    this.maxBytes = maxBytes;
    if (!(maxMessages >= 1 && maxBytes >= 1)) throw new RangeError('a buffer needs room for at least one message and one byte');
  }

  get length(): number {
    return this.count;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Entries given up since creation: pushed out by newer ones, or too large to ever fit. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Appends, dropping the oldest entries until the new one fits; one larger than maxBytes is dropped itself. */
  push(item: T): void {
    if (item.bytes > this.maxBytes) {
      this.droppedCount++;
      return;
    }
    while (this.count >= this.maxMessages || this.byteCount + item.bytes > this.maxBytes) {
      this.shift();
      this.droppedCount++;
    }
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = item;
    this.count++;
    this.byteCount += item.bytes;
  }

  /**
   * Puts entries that could not be delivered back at the front, in their order, as far as they fit
   * beside what is queued now; those that do not fit are the oldest data, so they are the ones dropped.
   */
  requeueFront(items: readonly T[]): void {
    for (let i = items.length - 1; i >= 0; i--) {
      const item = items[i]!;
      if (this.count >= this.maxMessages || this.byteCount + item.bytes > this.maxBytes) {
        this.droppedCount += i + 1;
        return;
      }
      if (this.count === this.slots.length) this.grow();
      this.head = (this.head - 1 + this.slots.length) % this.slots.length;
      this.slots[this.head] = item;
      this.count++;
      this.byteCount += item.bytes;
    }
  }

  /** Removes and returns the oldest entry. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head]!;
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.slots.length;
    this.count--;
    this.byteCount -= item.bytes;
    return item;
  }

  /** Removes up to `maxItems` oldest entries (at most `maxBytes` bytes, but always at least one) into `out`. */
  takeInto(out: T[], maxItems: number, maxBytes = Number.POSITIVE_INFINITY): void {
    let bytes = 0;
    while (this.count > 0 && out.length < maxItems) {
      const next = this.slots[this.head]!;
      if (out.length > 0 && bytes + next.bytes > maxBytes) break;
      bytes += next.bytes;
      out.push(this.shift()!);
    }
  }

  /** Empties the buffer, counting what was in it as dropped (shutdown past its flush deadline). */
  dropAll(): number {
    const n = this.count;
    while (this.count > 0) this.shift();
    this.droppedCount += n;
    return n;
  }

  private grow(): void {
    // Doubling up to the message limit; the ring never holds more than maxMessages.
    const next = new Array<T | undefined>(Math.min(Math.max(this.slots.length * 2, 16), Math.max(this.maxMessages, 16)));
    for (let i = 0; i < this.count; i++) next[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = next;
    this.head = 0;
  }
}
