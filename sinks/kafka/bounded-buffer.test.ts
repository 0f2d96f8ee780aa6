import { describe, expect, it } from 'vitest';
import { BoundedBuffer } from './bounded-buffer.ts';

interface Item {
  readonly id: number;
  readonly bytes: number;
}

const m = (id: number, bytes = 10): Item => ({ id, bytes });
const drain = (b: BoundedBuffer<Item>) => {
  const out: number[] = [];
  for (let x = b.shift(); x !== undefined; x = b.shift()) out.push(x.id);
  return out;
};

describe('BoundedBuffer', () => {
  it('keeps order and counts bytes', () => {
    const b = new BoundedBuffer<Item>(10, 1000);
    for (let i = 1; i <= 5; i++) b.push(m(i, i));
    expect(b.length).toBe(5);
    expect(b.bytes).toBe(15);
    expect(drain(b)).toEqual([1, 2, 3, 4, 5]);
    expect(b.bytes).toBe(0);
    expect(b.dropped).toBe(0);
  });

  it('drops the oldest when the message limit is reached, and counts each drop', () => {
    const b = new BoundedBuffer<Item>(3, 1000);
    for (let i = 1; i <= 7; i++) b.push(m(i));
    expect(b.dropped).toBe(4);
    expect(drain(b)).toEqual([5, 6, 7]);
  });

  it('drops the oldest until the bytes fit', () => {
    const b = new BoundedBuffer<Item>(100, 100);
    b.push(m(1, 40));
    b.push(m(2, 40));
    b.push(m(3, 50)); // 130 > 100: 1 goes
    expect(b.dropped).toBe(1);
    expect(b.bytes).toBe(90);
    b.push(m(4, 100)); // needs everything else gone
    expect(b.dropped).toBe(3);
    expect(drain(b)).toEqual([4]);
  });

  it('drops a message larger than the byte limit by itself, keeping the rest', () => {
    const b = new BoundedBuffer<Item>(10, 50);
    b.push(m(1, 10));
    b.push(m(2, 51));
    expect(b.dropped).toBe(1);
    expect(drain(b)).toEqual([1]);
  });

  it('takes batches by count and bytes, always at least one', () => {
    const b = new BoundedBuffer<Item>(100, 10_000);
    for (let i = 1; i <= 10; i++) b.push(m(i, 100));
    const batch: Item[] = [];
    b.takeInto(batch, 4);
    expect(batch.map((x) => x.id)).toEqual([1, 2, 3, 4]);
    batch.length = 0;
    b.takeInto(batch, 100, 250);
    expect(batch.map((x) => x.id)).toEqual([5, 6]);
    batch.length = 0;
    b.takeInto(batch, 100, 50); // one message is larger than the byte cap: it still goes alone
    expect(batch.map((x) => x.id)).toEqual([7]);
    expect(b.length).toBe(3);
    expect(b.bytes).toBe(300);
  });

  it('requeues a failed batch in front; when newer messages filled the room, the oldest of the batch are dropped', () => {
    const b = new BoundedBuffer<Item>(5, 10_000);
    for (let i = 1; i <= 4; i++) b.push(m(i));
    const batch: Item[] = [];
    b.takeInto(batch, 4);
    b.push(m(5));
    b.push(m(6));
    b.push(m(7));
    b.requeueFront(batch); // room for 2 of the 4: ids 3 and 4 (the newest of the batch)
    expect(b.dropped).toBe(2);
    expect(drain(b)).toEqual([3, 4, 5, 6, 7]);
  });

  it('never holds more than its limits across wrap-around and growth', () => {
    const b = new BoundedBuffer<Item>(50, 1_000_000);
    let pushed = 0;
    const seen: number[] = [];
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 7; i++) b.push(m(++pushed));
      expect(b.length).toBeLessThanOrEqual(50);
      const batch: Item[] = [];
      b.takeInto(batch, 3);
      seen.push(...batch.map((x) => x.id));
    }
    seen.push(...drain(b));
    // Everything pushed was either delivered, in order, or counted as dropped.
    expect(seen.length + b.dropped).toBe(pushed);
    expect([...seen].sort((x, y) => x - y)).toEqual(seen);
  });

  it('dropAll counts what was left', () => {
    const b = new BoundedBuffer<Item>(10, 1000);
    for (let i = 1; i <= 4; i++) b.push(m(i));
    expect(b.dropAll()).toBe(4);
    expect(b.dropped).toBe(4);
    expect(b.length).toBe(0);
    expect(b.bytes).toBe(0);
  });
});
