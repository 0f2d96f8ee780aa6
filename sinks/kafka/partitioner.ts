// kafkajs' DefaultPartitioner (the Java client's: murmur2 of the key, modulo the partition count)
// hashes the key of every message with its 64-bit Long arithmetic (a dozen objects per message) and
// filters the partition list each time. Every message of this sink has the same key, the node name,
// so the partition of a key is remembered for the topic's partition count: the same partitions as
// the DefaultPartitioner, computed once per key instead of once per message.
import { type ICustomPartitioner, Partitioners } from 'kafkajs';

interface Remembered {
  readonly partitions: number;
  readonly partition: number;
}

export const keyCachingPartitioner: ICustomPartitioner = () => {
  const inner = Partitioners.DefaultPartitioner();
  const byKey = new Map<string, Remembered>();
  return (args) => {
    const { message, partitionMetadata } = args;
    // An explicit partition, or no key (round robin over available partitions): as kafkajs does it.
    if ((message.partition !== undefined && message.partition !== null) || typeof message.key !== 'string') return inner(args);
    const known = byKey.get(message.key);
    if (known !== undefined && known.partitions === partitionMetadata.length) return known.partition;
    const partition = inner(args);
    byKey.set(message.key, { partitions: partitionMetadata.length, partition });
    return partition;
  };
};
