import type { CloudEvent } from 'cloudevents';
import { isTimestamp } from '../cloudevents/check-event-attributes.ts';
import { CloudEventsErrors } from '../cloudevents/cloudevents-errors.ts';
import { KnmeshExtensions as X } from '../cloudevents/knmesh-extensions.ts';

/** The Pulsar message behind an event, from the extensions the bridge sets (docs/reply-contract.md). */
export interface MessageMetadata {
  /** Topic the message was consumed from. */
  readonly topic: string | undefined;
  readonly messageId: string | undefined;
  /** The message key (`partitionkey`). */
  readonly key: string | undefined;
  /** Message properties; empty when there are none. */
  readonly properties: Readonly<Record<string, string>>;
  readonly publishTime: Date | undefined;
  /** Event time set by the producer, when it set one. */
  readonly eventTime: Date | undefined;
  /** How many times the broker redelivered the message; 0 on the first delivery. */
  readonly redeliveryCount: number;
}

/** Metadata of a request that did not come from the bridge (plain HTTP, or a CloudEvent from elsewhere). */
export const NO_MESSAGE: MessageMetadata = Object.freeze({
  topic: undefined,
  messageId: undefined,
  key: undefined,
  properties: Object.freeze({}),
  publishTime: undefined,
  eventTime: undefined,
  redeliveryCount: 0,
});

/**
 * Reads the bridge's extensions. They are our own contract, so a malformed one (a redelivery count
 * that is not an integer, properties that are not a JSON object of strings) is an invalid event (400).
 */
export function messageMetadataOf(event: CloudEvent<unknown>): MessageMetadata {
  const attributes = event as unknown as Readonly<Record<string, unknown>>;
  const topic = attributes[X.pulsarTopic];
  const messageId = attributes[X.pulsarMessageId];
  const key = attributes[X.partitionKey];
  const properties = attributes[X.pulsarProperties];
  const publishTime = attributes[X.pulsarPublishTime];
  const eventTime = attributes[X.pulsarEventTime];
  const redeliveryCount = attributes[X.pulsarRedeliveryCount];
  if (
    topic === undefined &&
    messageId === undefined &&
    key === undefined &&
    properties === undefined &&
    publishTime === undefined &&
    eventTime === undefined &&
    redeliveryCount === undefined
  ) {
    return NO_MESSAGE;
  }
  return {
    topic: asString(X.pulsarTopic, topic),
    messageId: asString(X.pulsarMessageId, messageId),
    key: asString(X.partitionKey, key),
    properties: properties === undefined ? NO_MESSAGE.properties : asProperties(properties),
    publishTime: asTime(X.pulsarPublishTime, publishTime),
    eventTime: asTime(X.pulsarEventTime, eventTime),
    redeliveryCount: redeliveryCount === undefined ? 0 : asCount(redeliveryCount),
  };
}

function invalid(attribute: string, rule: string): never {
  throw CloudEventsErrors.invalidEvent.create(`attribute "${attribute}" ${rule}`, {
    details: { attribute, rule },
  });
}

function asString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : invalid(name, 'must be a string');
}

function asTime(name: string, value: unknown): Date | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && isTimestamp(value)
    ? new Date(value)
    : invalid(name, 'must be an RFC 3339 timestamp');
}

function asCount(value: unknown): number {
  const n = typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0
    ? n
    : invalid(X.pulsarRedeliveryCount, 'must be a non-negative integer');
}

function asProperties(value: unknown): Readonly<Record<string, string>> {
  const rule = 'must be the JSON text of an object of strings';
  let parsed: unknown;
  try {
    parsed = typeof value === 'string' ? JSON.parse(value) : undefined;
  } catch {
    return invalid(X.pulsarProperties, rule);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return invalid(X.pulsarProperties, rule);
  for (const item of Object.values(parsed))
    if (typeof item !== 'string') return invalid(X.pulsarProperties, rule);
  return Object.freeze(parsed as Record<string, string>);
}
