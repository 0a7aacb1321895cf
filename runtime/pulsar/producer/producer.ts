import type { MessageId } from '../message-id.ts';
import { javaStringHash } from '../hashing/java-string-hash.ts';
import { murmur3_32Hash } from '../hashing/murmur3-32-hash.ts';
import type { PartitionProducer } from './partition-producer.ts';
import type { ProducerMessage } from './producer-options.ts';
import type { Timers } from '../timers.ts';

/**
 * What `client.createProducer` returns: one `PartitionProducer` for a plain topic, or one per
 * partition with routing by key hash (messages without a key rotate over partitions, switching
 * at most once per batching delay so batches stay full, as the Java client's round-robin router).
 */
export class Producer {
  readonly topic: string;
  private partitions: readonly PartitionProducer[];
  /** Called once when the producer closes (stops the client's partition watch). */
  onClose: (() => void) | undefined;
  private readonly hash: (key: string) => number;
  private readonly switchMs: number;
  private readonly offset: number;
  private readonly timers: Timers;

  constructor(
    topic: string,
    partitions: readonly PartitionProducer[],
    hashingScheme: 'java-string' | 'murmur3-32',
    batchDelayMs: number,
    timers: Timers,
  ) {
    this.topic = topic;
    this.partitions = partitions;
    this.hash = hashingScheme === 'murmur3-32' ? murmur3_32Hash : javaStringHash;
    this.switchMs = Math.max(1, batchDelayMs);
    this.offset = Math.floor(Math.random() * partitions.length);
    this.timers = timers;
  }

  /**
   * Partitions added to the topic, in partition order after the ones held. Keys route by hash over
   * the new count from here on, as the Java client does after a partition update.
   */
  addPartitions(added: readonly PartitionProducer[]): void {
    this.partitions = [...this.partitions, ...added];
  }

  /** Resolves with the message id once the broker has stored the message. */
  send(message: ProducerMessage): Promise<MessageId> {
    return this.partitionFor(message).send(message);
  }

  private partitionFor(message: ProducerMessage): PartitionProducer {
    const n = this.partitions.length;
    if (n === 1) return this.partitions[0]!;
    if (message.key !== undefined) return this.partitions[this.hash(message.key) % n]!;
    return this.partitions[(Math.floor(this.timers.now() / this.switchMs) + this.offset) % n]!;
  }

  /** Number of partitions (0 for a plain topic). */
  get numPartitions(): number {
    return this.partitions.length === 1 && this.partitions[0]!.settings.partition < 0
      ? 0
      : this.partitions.length;
  }

  get producerName(): string {
    return this.partitions[0]!.producerName;
  }

  /** Highest sequence id the broker acknowledged, or reported at creation (-1 if none); max over partitions. */
  get lastSequenceId(): bigint {
    let last = -1n;
    for (const p of this.partitions) if (p.lastSequenceId > last) last = p.lastSequenceId;
    return last;
  }

  get connected(): boolean {
    return this.partitions.every((p) => p.connected);
  }

  /** Messages awaiting the broker's acknowledgement. */
  get pendingMessages(): number {
    let n = 0;
    for (const p of this.partitions) n += p.pendingMessages;
    return n;
  }

  async flush(): Promise<void> {
    await Promise.all(this.partitions.map((p) => p.flush()));
  }

  /** Flushes (at most `flushTimeoutMs`, see `PartitionProducer.close`) and closes every partition. */
  async close(options: { readonly flushTimeoutMs?: number } = {}): Promise<void> {
    this.onClose?.();
    this.onClose = undefined;
    await Promise.all(this.partitions.map((p) => p.close(options)));
  }
}
