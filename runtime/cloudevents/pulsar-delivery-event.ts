import type { CloudEventV1 } from 'cloudevents';
import { CloudEventsErrors } from './cloudevents-errors.ts';
import { KnmeshExtensions as X } from './knmesh-extensions.ts';
import { parseMediaType } from './media-type.ts';
import {
  CE_PROPERTY_PREFIX,
  CONTENT_TYPE_PROPERTY,
  readPulsarEvents,
  type PulsarMessage,
} from './pulsar-binding.ts';

/** A consumed message: the binding's view plus where and when the broker stored it. */
export interface ConsumedPulsarMessage extends PulsarMessage {
  /** The topic it came from, with the partition suffix (`persistent://t/ns/in-partition-2`). */
  readonly topic: string;
  /** Prints as `ledgerId:entryId:partition:batchIndex`. */
  readonly messageId: { toString(): string };
  /** Milliseconds since the epoch. */
  readonly publishTime: number;
  readonly eventTime: number | undefined;
  readonly redeliveryCount: number;
}

/** `type` of events made for messages that are not CloudEvents themselves. */
export const PULSAR_MESSAGE_EVENT_TYPE = 'dev.knmesh.pulsar.message';

/**
 * The CloudEvent the bridge delivers for a message (docs/pulsar-binding.md):
 * - a message that is a CloudEvent under the Pulsar binding (binary or structured) is that event;
 * - any other message gets synthesised attributes: `id` = the message id, `source` =
 *   `/knmesh/topics/<tenant>/<namespace>/<topic>`, `type` = `dev.knmesh.pulsar.message`, `time` = the
 *   event time or else the publish time, `datacontenttype` = its `content-type` property, else
 *   `defaultContentType` (the bridge's `--input-content-type`, what a topic schema would say);
 * and both get the Pulsar metadata extensions of the reply contract. Binary data stays the payload
 * bytes. Throws `KNMESH_CE_*` for a message that claims to be a CloudEvent but is not a valid one, or
 * is a batch (a batch message cannot be one delivery).
 */
export function toDeliveryEvent(
  message: ConsumedPulsarMessage,
  options: { readonly defaultContentType?: string | undefined } = {},
): CloudEventV1<unknown> {
  const properties = message.properties ?? {};
  let event: Record<string, unknown>;
  let carried: Record<string, string>;
  const bound = readBound(message);
  if (bound === undefined) {
    event = {
      specversion: '1.0',
      id: message.messageId.toString(),
      source: sourceOf(message.topic),
      type: PULSAR_MESSAGE_EVENT_TYPE,
      time: isoTime(message.eventTime ?? message.publishTime),
    };
    const contentType = properties[CONTENT_TYPE_PROPERTY] ?? options.defaultContentType;
    if (contentType !== undefined && parseMediaType(contentType)) event['datacontenttype'] = contentType;
    event['data'] = message.payload.length === 0 ? undefined : message.payload;
    carried = properties;
  } else {
    event = bound;
    carried = {};
    for (const name of Object.keys(properties)) {
      if (name !== CONTENT_TYPE_PROPERTY && !name.startsWith(CE_PROPERTY_PREFIX))
        carried[name] = properties[name]!;
    }
  }
  event[X.pulsarTopic] = message.topic;
  event[X.pulsarMessageId] = message.messageId.toString();
  event[X.pulsarPublishTime] = isoTime(message.publishTime);
  if (message.eventTime !== undefined) event[X.pulsarEventTime] = isoTime(message.eventTime);
  event[X.pulsarRedeliveryCount] = message.redeliveryCount;
  if (message.key !== undefined) event[X.partitionKey] = message.key;
  for (const _ in carried) {
    event[X.pulsarProperties] = JSON.stringify(carried);
    break;
  }
  return event as unknown as CloudEventV1<unknown>;
}

function readBound(message: ConsumedPulsarMessage): Record<string, unknown> | undefined {
  const properties = message.properties;
  if (properties === undefined) return undefined;
  // Fast path: most messages carry neither ce_ properties nor a CloudEvents content type.
  const contentType = properties[CONTENT_TYPE_PROPERTY];
  if (
    properties['ce_specversion'] === undefined &&
    properties['ce_id'] === undefined &&
    (contentType === undefined || !contentType.toLowerCase().includes('cloudevents'))
  ) {
    return undefined;
  }
  const { mode, entries } = readPulsarEvents(message, { decodeData: false });
  if (mode === 'batch') {
    throw CloudEventsErrors.malformedBody.create(
      'a message holding a batch of CloudEvents cannot be delivered as one event; publish one event per message',
    );
  }
  const event = entries[0] as CloudEventV1<unknown>;
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(event)) {
    if (name !== 'data_base64') copy[name] = (event as Record<string, unknown>)[name];
  }
  return copy;
}

let lastMillis = Number.NaN;
let lastIso = '';

/** RFC 3339 text of a time in ms; the messages of one batch share a publish time, so it is kept once. */
function isoTime(ms: number): string {
  if (ms !== lastMillis) {
    lastMillis = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** `/knmesh/topics/<tenant>/<namespace>/<topic>`, without the partition suffix. */
function sourceOf(topic: string): string {
  const scheme = topic.indexOf('://');
  const name = (scheme === -1 ? topic : topic.slice(scheme + 3)).replace(/-partition-\d+$/, '');
  return `/knmesh/topics/${name}`;
}
