import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import type { KnmeshError } from '../errors/knmesh-error.ts';
import { CloudEventsErrors } from './cloudevents-errors.ts';
import { decodeData, parseJson } from './decode-data.ts';
import type { ContentMode, EventBinding, ReceivedEvents } from './event-binding.ts';
import { decodeHeaderValue, encodeHeaderValue } from './header-value-encoding.ts';
import { headerValue, type HttpMessage } from './http-message.ts';
import { eventFromJson, eventToJson } from './json-event-format.ts';
import {
  MEDIA_TYPE_CE_BATCH_JSON,
  MEDIA_TYPE_CE_JSON,
  parseMediaType,
  type MediaType,
} from './media-type.ts';
import { toCloudEvent } from './to-cloud-event.ts';
import { attributeText, binaryData } from './binary-data.ts';

const CE_PREFIX = 'ce-';
const STRUCTURED_CONTENT_TYPE = `${MEDIA_TYPE_CE_JSON}; charset=utf-8`;
const BATCH_CONTENT_TYPE = `${MEDIA_TYPE_CE_BATCH_JSON}; charset=utf-8`;

/**
 * The CloudEvents HTTP protocol binding (1.0.2) for knmesh: binary, structured and batched content
 * modes, tolerant of Content-Type parameters and case, validating every event it reads.
 */
export const httpBinding: EventBinding<HttpMessage> = {
  binary: toBinary,
  structured: (event) => ({
    headers: { 'content-type': STRUCTURED_CONTENT_TYPE },
    body: JSON.stringify(eventToJson(event)),
  }),
  batch: (events) => ({
    headers: { 'content-type': BATCH_CONTENT_TYPE },
    body: JSON.stringify(events.map(eventToJson)),
  }),
  mode: (message) => detectMode(message).mode,
  toEvents,
};

interface Detected {
  readonly mode: ContentMode | undefined;
  readonly mediaType: MediaType | undefined;
}

/**
 * Structured and batched modes are told by media type; binary mode by a `ce-specversion` or `ce-id`
 * header (a request that has one but not the other is an invalid event, not a plain request).
 */
function detectMode(message: HttpMessage): Detected {
  const mediaType = parseMediaType(headerValue(message, 'content-type'));
  if (mediaType === null) {
    throw CloudEventsErrors.unsupportedMediaType.create('the Content-Type header is not a media type');
  }
  const essence = mediaType?.essence;
  if (essence !== undefined && essence.startsWith('application/cloudevents')) {
    if (essence === MEDIA_TYPE_CE_JSON) return { mode: 'structured', mediaType };
    if (essence === MEDIA_TYPE_CE_BATCH_JSON) return { mode: 'batch', mediaType };
    throw CloudEventsErrors.unsupportedMediaType.create(
      `event format "${essence.slice(0, 60)}" is not supported; use ${MEDIA_TYPE_CE_JSON} or ${MEDIA_TYPE_CE_BATCH_JSON}`,
    );
  }
  const headers = message.headers;
  if (headers['ce-specversion'] !== undefined || headers['ce-id'] !== undefined) {
    return { mode: 'binary', mediaType };
  }
  return { mode: undefined, mediaType };
}

function toEvents(message: HttpMessage): ReceivedEvents {
  const { mode, mediaType } = detectMode(message);
  const body = typeof message.body === 'string' ? Buffer.from(message.body, 'utf8') : message.body;
  switch (mode) {
    case 'binary':
      return { mode, entries: [fromBinary(message, body, mediaType)] };
    case 'structured':
      return { mode, entries: [eventFromJson(parseJsonBody(body, mediaType))] };
    case 'batch':
      return { mode, entries: fromBatch(parseJsonBody(body, mediaType)) };
    default:
      throw CloudEventsErrors.invalidEvent.create(
        'not a CloudEvent: no ce-specversion header and no CloudEvents Content-Type',
      );
  }
}

function parseJsonBody(body: Buffer, mediaType: MediaType | undefined): unknown {
  if (body.length === 0) throw CloudEventsErrors.malformedBody.create('the body is empty');
  return parseJson(body, mediaType?.parameters['charset']);
}

function fromBinary(
  message: HttpMessage,
  body: Buffer,
  mediaType: MediaType | undefined,
): CloudEvent<unknown> {
  const attributes: Record<string, unknown> = {};
  for (const name of Object.keys(message.headers)) {
    if (!name.startsWith(CE_PREFIX)) continue;
    const value = headerValue(message, name);
    if (value !== undefined) attributes[name.slice(CE_PREFIX.length)] = decodeHeaderValue(value);
  }
  // Binary mode maps datacontenttype to Content-Type; a stray ce-datacontenttype never overrides it.
  const contentType = headerValue(message, 'content-type');
  if (contentType !== undefined) attributes['datacontenttype'] = contentType;
  else delete attributes['datacontenttype'];
  return toCloudEvent(attributes, decodeData(body, mediaType));
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

/** Binary mode: attributes in percent-encoded `ce-*` headers, datacontenttype in Content-Type, data as the body. */
function toBinary(event: CloudEventV1<unknown>): HttpMessage {
  const headers: Record<string, string> = {};
  for (const name of Object.keys(event)) {
    if (name === 'data' || name === 'data_base64' || name === 'datacontenttype') continue;
    const value = (event as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    headers[CE_PREFIX + name] = encodeHeaderValue(attributeText(value));
  }
  const { body, contentType } = binaryData(event);
  if (contentType !== undefined) headers['content-type'] = contentType;
  return { headers, body };
}
