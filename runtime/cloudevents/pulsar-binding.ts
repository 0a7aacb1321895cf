import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import type { KnmeshError } from '../errors/knmesh-error.ts';
import { attributeText, binaryData } from './binary-data.ts';
import { CloudEventsErrors } from './cloudevents-errors.ts';
import { decodeData, parseJson } from './decode-data.ts';
import type { ContentMode, EventBinding, ReceivedEvents } from './event-binding.ts';
import { eventFromJson, eventToJson } from './json-event-format.ts';
import { KnmeshExtensions } from './knmesh-extensions.ts';
import {
  MEDIA_TYPE_CE_BATCH_JSON,
  MEDIA_TYPE_CE_JSON,
  parseMediaType,
  type MediaType,
} from './media-type.ts';
import { toCloudEvent } from './to-cloud-event.ts';

/**
 * A Pulsar message as the binding sees it: the payload, the key and the properties. The consumer's
 * `Message` and the producer's `ProducerMessage` both fit this shape.
 */
export interface PulsarMessage {
  readonly payload: Buffer;
  readonly key?: string | undefined;
  readonly properties?: Readonly<Record<string, string>> | undefined;
}

/** Property prefix of attributes in binary mode (the Kafka binding's `ce_`). */
export const CE_PROPERTY_PREFIX = 'ce_';
/** Property holding `datacontenttype` in binary mode and the event format in the other modes. */
export const CONTENT_TYPE_PROPERTY = 'content-type';

const STRUCTURED_CONTENT_TYPE = `${MEDIA_TYPE_CE_JSON}; charset=utf-8`;
const BATCH_CONTENT_TYPE = `${MEDIA_TYPE_CE_BATCH_JSON}; charset=utf-8`;
const PARTITION_KEY = KnmeshExtensions.partitionKey;

/**
 * The CloudEvents binding for Pulsar messages (docs/pulsar-binding.md), modelled on the CloudEvents
 * Kafka protocol binding: in binary mode every attribute is a `ce_<name>` property, `datacontenttype`
 * is the `content-type` property and the data is the payload; structured and batched messages are
 * told by their `content-type` property. The `partitionkey` extension is the message key, both ways.
 */
export const pulsarBinding: EventBinding<PulsarMessage> = {
  binary: toBinary,
  structured: (event) => ({
    payload: Buffer.from(JSON.stringify(eventToJson(withoutKey(event))), 'utf8'),
    ...keyOf(event),
    properties: { [CONTENT_TYPE_PROPERTY]: STRUCTURED_CONTENT_TYPE },
  }),
  batch: (events) => ({
    payload: Buffer.from(JSON.stringify(events.map(eventToJson)), 'utf8'),
    properties: { [CONTENT_TYPE_PROPERTY]: BATCH_CONTENT_TYPE },
  }),
  mode: (message) => detectMode(message).mode,
  toEvents: (message) => readPulsarEvents(message, { decodeData: true }),
};

interface Detected {
  readonly mode: ContentMode | undefined;
  readonly mediaType: MediaType | undefined;
}

function detectMode(message: PulsarMessage): Detected {
  const properties = message.properties ?? {};
  const mediaType = parseMediaType(properties[CONTENT_TYPE_PROPERTY]);
  const essence = mediaType?.essence;
  if (essence !== undefined && essence.startsWith('application/cloudevents')) {
    if (essence === MEDIA_TYPE_CE_JSON) return { mode: 'structured', mediaType: mediaType ?? undefined };
    if (essence === MEDIA_TYPE_CE_BATCH_JSON) return { mode: 'batch', mediaType: mediaType ?? undefined };
    throw CloudEventsErrors.unsupportedMediaType.create(
      `event format "${essence.slice(0, 60)}" is not supported; use ${MEDIA_TYPE_CE_JSON} or ${MEDIA_TYPE_CE_BATCH_JSON}`,
    );
  }
  if (properties['ce_specversion'] !== undefined || properties['ce_id'] !== undefined) {
    if (mediaType === null) {
      throw CloudEventsErrors.invalidEvent.create('the content-type property is not a media type', {
        details: { attribute: 'datacontenttype', rule: 'must be a media type (RFC 2046)' },
      });
    }
    return { mode: 'binary', mediaType };
  }
  return { mode: undefined, mediaType: mediaType ?? undefined };
}

/**
 * Reads the events of a message. With `decodeData: false` a binary-mode event keeps the payload
 * bytes as its data (the bridge forwards them to the function byte for byte; decoding and encoding
 * JSON again could change numbers or spacing); otherwise data is decoded by content type, as the HTTP
 * binding does. Throws `KNMESH_CE_INVALID_EVENT` for a message that is not a CloudEvent.
 */
export function readPulsarEvents(
  message: PulsarMessage,
  options: { readonly decodeData: boolean },
): ReceivedEvents {
  const { mode, mediaType } = detectMode(message);
  switch (mode) {
    case 'binary':
      return { mode, entries: [fromBinary(message, mediaType, options.decodeData)] };
    case 'structured':
      return {
        mode,
        entries: [withMessageKey(eventFromJson(parseJsonPayload(message, mediaType)), message)],
      };
    case 'batch':
      return { mode, entries: fromBatch(parseJsonPayload(message, mediaType)) };
    default:
      throw CloudEventsErrors.invalidEvent.create(
        'not a CloudEvent: no ce_specversion property and no CloudEvents content-type',
      );
  }
}

function parseJsonPayload(message: PulsarMessage, mediaType: MediaType | undefined): unknown {
  if (message.payload.length === 0) throw CloudEventsErrors.malformedBody.create('the payload is empty');
  return parseJson(message.payload, mediaType?.parameters['charset']);
}

function fromBinary(
  message: PulsarMessage,
  mediaType: MediaType | undefined,
  decode: boolean,
): CloudEvent<unknown> {
  const properties = message.properties ?? {};
  const attributes: Record<string, unknown> = {};
  for (const name of Object.keys(properties)) {
    if (name.startsWith(CE_PROPERTY_PREFIX))
      attributes[name.slice(CE_PROPERTY_PREFIX.length)] = properties[name];
  }
  // content-type is datacontenttype; a stray ce_datacontenttype never overrides it.
  const contentType = properties[CONTENT_TYPE_PROPERTY];
  if (contentType !== undefined) attributes['datacontenttype'] = contentType;
  else delete attributes['datacontenttype'];
  if (message.key !== undefined) attributes[PARTITION_KEY] = message.key;
  const data = decode
    ? decodeData(message.payload, mediaType)
    : message.payload.length === 0
      ? undefined
      : message.payload;
  return toCloudEvent(attributes, data);
}

/** The message key is the event's `partitionkey` (it wins over one written in the event). */
function withMessageKey(event: CloudEvent<unknown>, message: PulsarMessage): CloudEvent<unknown> {
  if (message.key === undefined || (event as Record<string, unknown>)[PARTITION_KEY] === message.key)
    return event;
  const attributes: Record<string, unknown> = { ...event, [PARTITION_KEY]: message.key };
  const data = attributes['data'];
  delete attributes['data'];
  delete attributes['data_base64'];
  return toCloudEvent(attributes, data);
}

function fromBatch(value: unknown): Array<CloudEvent<unknown> | KnmeshError> {
  if (!Array.isArray(value))
    throw CloudEventsErrors.malformedBody.create('a batch must be a JSON array of events');
  return value.map((item: unknown) => {
    try {
      return eventFromJson(item);
    } catch (error) {
      if (CloudEventsErrors.invalidEvent.is(error) || CloudEventsErrors.malformedBody.is(error)) return error;
      throw error;
    }
  });
}

/** Binary mode: `ce_<name>` properties, `content-type`, the data as payload, `partitionkey` as key. */
function toBinary(event: CloudEventV1<unknown>): PulsarMessage & { properties: Record<string, string> } {
  const properties: Record<string, string> = {};
  for (const name of Object.keys(event)) {
    if (name === 'data' || name === 'data_base64' || name === 'datacontenttype' || name === PARTITION_KEY)
      continue;
    const value = (event as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    properties[CE_PROPERTY_PREFIX + name] = attributeText(value);
  }
  const { body, contentType } = binaryData(event);
  if (contentType !== undefined) properties[CONTENT_TYPE_PROPERTY] = contentType;
  return {
    payload: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    ...keyOf(event),
    properties,
  };
}

function keyOf(event: CloudEventV1<unknown>): { key?: string } {
  const key = (event as Record<string, unknown>)[PARTITION_KEY];
  return typeof key === 'string' ? { key } : {};
}

/** Structured mode carries the key as the message key only, not twice. */
function withoutKey(event: CloudEventV1<unknown>): CloudEventV1<unknown> {
  if ((event as Record<string, unknown>)[PARTITION_KEY] === undefined) return event;
  const copy: Record<string, unknown> = { ...event };
  delete copy[PARTITION_KEY];
  return copy as unknown as CloudEventV1<unknown>;
}
