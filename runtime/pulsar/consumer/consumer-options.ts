export type SubscriptionType = 'Exclusive' | 'Shared' | 'Failover' | 'Key_Shared';

export interface DeadLetterPolicy {
  /** A message nacked (or timed out) after this many redeliveries goes to the dead-letter topic. */
  readonly maxRedeliverCount: number;
  /** Default `<topic>-<subscription>-DLQ`. */
  readonly deadLetterTopic?: string;
}

export interface ConsumerOptions {
  /** One of `topic`, `topics` or `topicsPattern`. */
  readonly topic?: string;
  readonly topics?: readonly string[];
  /** A regular expression over full topic names of one namespace, e.g. `persistent://public/default/in-.*`. */
  readonly topicsPattern?: string | RegExp;
  readonly subscription: string;
  /** Default `Exclusive` (as the Java client); case-insensitive. */
  readonly type?: SubscriptionType | Lowercase<SubscriptionType>;
  /** Where a new subscription starts; default `latest`. */
  readonly initialPosition?: 'latest' | 'earliest';
  /** Messages prefetched per topic or partition; default 1000. Bounds the client's memory. */
  readonly receiverQueueSize?: number;
  /** Delay before a nacked message is redelivered; default 60 s (Java default). */
  readonly nackRedeliveryDelayMs?: number;
  /** Redeliver messages not acked within this time; 0 (default) disables. */
  readonly ackTimeoutMs?: number;
  readonly deadLetterPolicy?: DeadLetterPolicy;
  readonly consumerName?: string;
  /** Acknowledge single messages of a batch on the broker (needs the broker's batch-index ack). */
  readonly batchIndexAck?: boolean;
  /** Acks are grouped for this long into one ACK frame; 0 sends each at once. Default 10 ms. */
  readonly ackGroupingMs?: number;
  /** How often a pattern subscription looks for new or deleted topics; default 60 s, 0 never. */
  readonly patternDiscoveryIntervalMs?: number;
  /**
   * How often the partition count of partitioned topics is checked, so partitions added to a topic
   * are consumed too (the Java client's autoUpdatePartitions); default 60 s, 0 never.
   */
  readonly partitionsUpdateIntervalMs?: number;
}
