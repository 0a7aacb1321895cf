import type { Message } from '../pulsar/consumer/message.ts';
import type { ProducerMessage } from '../pulsar/producer/producer-options.ts';
import type { DeliveryFailure } from './delivery-outcome.ts';

/** Properties a dead-lettered message gains (docs/bridge.md, "Dead letters"). */
export const DeadLetterProperties = {
  /** Pulsar's own names (the Java client's dead-letter policy writes them too). */
  realTopic: 'REAL_TOPIC',
  originMessageId: 'ORIGIN_MESSAGE_ID',
  code: 'knmesh-error-code',
  status: 'knmesh-error-status',
  reason: 'knmesh-error-reason',
  /** With KNMESH_BRIDGE_RETRIES_EXHAUSTED: the code of the last failure. */
  lastCode: 'knmesh-error-last-code',
  attempts: 'knmesh-attempts',
  subscription: 'knmesh-subscription',
} as const;

/**
 * The dead letter for `input`: its payload, key, ordering key, event time and properties unchanged,
 * plus where it came from and why it was given up.
 */
export function toDeadLetterMessage(
  input: Message,
  failure: DeliveryFailure,
  context: {
    readonly attempts: number;
    readonly subscription: string;
    readonly lastCode?: string | undefined;
  },
): ProducerMessage {
  const P = DeadLetterProperties;
  const properties: Record<string, string> = { ...input.properties };
  properties[P.realTopic] = input.topic;
  properties[P.originMessageId] = input.messageId.toString();
  properties[P.code] = failure.code;
  if (failure.status !== undefined) properties[P.status] = String(failure.status);
  properties[P.reason] = failure.reason;
  if (context.lastCode !== undefined) properties[P.lastCode] = context.lastCode;
  properties[P.attempts] = String(context.attempts);
  properties[P.subscription] = context.subscription;
  return {
    payload: input.payload,
    ...(input.key === undefined ? {} : { key: input.key }),
    ...(input.orderingKey === undefined ? {} : { orderingKey: input.orderingKey }),
    ...(input.eventTime === undefined ? {} : { eventTime: input.eventTime }),
    properties,
  };
}

/**
 * Pulsar's default dead-letter topic, `<topic>-<subscription>-DLQ` (per input topic, partition suffix
 * removed), with the `/` of a Functions-style subscription name (`tenant/ns/fn`) turned into `-` so the
 * result is a valid topic name.
 */
export function defaultDeadLetterTopic(inputTopic: string, subscription: string): string {
  return `${inputTopic.replace(/-partition-\d+$/, '')}-${subscription.replace(/\//g, '-')}-DLQ`;
}
