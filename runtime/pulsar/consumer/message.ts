import type { MessageId } from '../message-id.ts';
import type { MessageIdData } from '../protocol/message-id-data.ts';
import type { BatchAckTracker } from './batch-ack-tracker.ts';

/** The part of a consumer a message must find again to be acknowledged. */
export interface MessageOwner {
  messageTaken(): void;
}

/** A received message. Everything but `receipt` is public API. */
export class Message {
  readonly messageId: MessageId;
  /** The topic it came from: the partition's name on partitioned topics. */
  readonly topic: string;
  readonly payload: Buffer;
  readonly key: string | undefined;
  readonly orderingKey: Buffer | undefined;
  readonly properties: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch when the producer published it. */
  readonly publishTime: number;
  /** Event time set by the producer, undefined when absent. */
  readonly eventTime: number | undefined;
  /** How often the broker delivered it before (needs Shared or Key_Shared for exact counts). */
  readonly redeliveryCount: number;
  readonly producerName: string;
  readonly sequenceId: bigint;
  /**
   * @internal where to acknowledge it: the per-topic consumer; for batches, the batch; for a
   * message joined from chunks, the entries of every chunk before the last (its `messageId`).
   */
  readonly receipt: {
    readonly owner: MessageOwner;
    readonly batch: BatchAckTracker | undefined;
    readonly chunks: readonly MessageIdData[] | undefined;
  };

  constructor(init: {
    messageId: MessageId;
    topic: string;
    payload: Buffer;
    key: string | undefined;
    orderingKey: Buffer | undefined;
    properties: Readonly<Record<string, string>>;
    publishTime: number;
    eventTime: number;
    redeliveryCount: number;
    producerName: string;
    sequenceId: bigint;
    owner: MessageOwner;
    batch: BatchAckTracker | undefined;
    chunks?: readonly MessageIdData[];
  }) {
    this.messageId = init.messageId;
    this.topic = init.topic;
    this.payload = init.payload;
    this.key = init.key;
    this.orderingKey = init.orderingKey;
    this.properties = init.properties;
    this.publishTime = init.publishTime;
    this.eventTime = init.eventTime > 0 ? init.eventTime : undefined;
    this.redeliveryCount = init.redeliveryCount;
    this.producerName = init.producerName;
    this.sequenceId = init.sequenceId;
    this.receipt = { owner: init.owner, batch: init.batch, chunks: init.chunks };
  }
}
