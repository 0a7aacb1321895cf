import type { CompressionName } from '../protocol/compression-type.ts';

export interface BatchingOptions {
  /** Default true. */
  readonly enabled?: boolean;
  /** Messages per batch; default 1000. */
  readonly maxMessages?: number;
  /** Bytes of payload per batch; default 128 KiB. */
  readonly maxBytes?: number;
  /** Longest a message waits for its batch to fill; default 1 ms (the Java client's default). */
  readonly maxDelayMs?: number;
  /**
   * Group each batching window by key (ordering key, else key), one batch per key, so that
   * Key_Shared consumers get every message of a batch on the consumer owning its key. Batches then
   * leave out of sequence-id order: do not combine with de-duplication.
   */
  readonly keyBased?: boolean;
}

export interface ProducerOptions {
  readonly topic: string;
  /** Needed for de-duplication (effectively-once): the broker keeps the last sequence id per name. */
  readonly producerName?: string;
  readonly batching?: BatchingOptions;
  /** Default `none`. */
  readonly compression?: CompressionName;
  /** A send not acknowledged by the broker within this time fails; 0 waits forever. Default 30 s. */
  readonly sendTimeoutMs?: number;
  /** Messages sent but not yet acknowledged; `send` waits (backpressure) when reached. Default 1000. */
  readonly maxPendingMessages?: number;
  /** The first message gets `initialSequenceId + 1`; by default the broker's last sequence id + 1. */
  readonly initialSequenceId?: bigint | number;
  /** Key hash for partitioned topics: `java-string` (Java client default) or `murmur3-32` (Functions). */
  readonly hashingScheme?: 'java-string' | 'murmur3-32';
  /**
   * How often a partitioned topic's partition count is checked, so partitions added to the topic
   * get messages too (the Java client's autoUpdatePartitions); default 60 s, 0 never.
   */
  readonly partitionsUpdateIntervalMs?: number;
  /** Producer metadata shown in topic stats. */
  readonly properties?: Record<string, string>;
  /**
   * Split a message larger than the broker's maxMessageSize (after compression) into chunks, one
   * entry each, that consumers join again (PIP-37); default false: such a send fails. Such a message
   * leaves outside any batch. Not for de-duplicated producers: every chunk carries the message's
   * sequence id.
   */
  readonly chunking?: boolean;
}

export interface ProducerMessage {
  readonly payload: Buffer;
  /** Partition key: routing on partitioned topics, Key_Shared dispatch, compaction. */
  readonly key?: string;
  /** Key_Shared dispatch key, when it should differ from `key`. */
  readonly orderingKey?: Buffer | string;
  readonly properties?: Record<string, string>;
  /** Milliseconds since the epoch, or a Date. */
  readonly eventTime?: number | Date;
  /** Explicit sequence id (effectively-once); must grow per producer name. */
  readonly sequenceId?: bigint | number;
}
