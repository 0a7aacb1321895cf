import type { Message } from '../pulsar/consumer/message.ts';

export type SubscriptionTypeName = 'shared' | 'key_shared' | 'failover' | 'exclusive';

/**
 * The ordering group of a message: messages of one group are delivered one request at a time, in
 * order, retries included. Shared: none (concurrent up to --max-in-flight). Key_Shared: the key
 * (ordering key first, as the broker dispatches by it) within its topic partition; messages without a
 * key form one group, as the broker sends them all to one consumer. Failover and Exclusive: the
 * partition.
 */
export function orderingKeyOf(message: Message, type: SubscriptionTypeName): string | undefined {
  switch (type) {
    case 'shared':
      return undefined;
    case 'key_shared': {
      const key =
        message.orderingKey !== undefined
          ? `o:${message.orderingKey.toString('base64')}`
          : `k:${message.key ?? ''}`;
      return `${message.topic}\n${key}`;
    }
    default:
      return message.topic;
  }
}
