import { type PartitionerArgs, Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { keyCachingPartitioner } from './partitioner.ts';

const metadata = (n: number): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

describe('the key-caching partitioner', () => {
  it('chooses the DefaultPartitioner’s partition for every key and partition count', () => {
    const cached = keyCachingPartitioner();
    const reference = Partitioners.DefaultPartitioner();
    for (const n of [1, 3, 7, 12, 3]) {
      for (const key of ['node-1', 'node-2', 'ip-10-0-3-17.eu-west-1.compute.internal', 'ünïcode', '']) {
        const args = { topic: 'vigil.metrics', partitionMetadata: metadata(n), message: { key, value: 'x' } };
        expect(cached(args), `${key} over ${n}`).toBe(reference(args));
        expect(cached(args), `${key} over ${n}, remembered`).toBe(reference(args));
      }
    }
  });

  it('keeps an explicit partition', () => {
    const cached = keyCachingPartitioner();
    expect(cached({ topic: 't', partitionMetadata: metadata(4), message: { key: 'node-1', value: 'x', partition: 3 } })).toBe(3);
  });
});
