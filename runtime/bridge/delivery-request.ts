import type { CloudEventV1 } from 'cloudevents';
import { ORDERED_BATCH_HEADER } from '../cloudevents/batch-results.ts';
import { decodeData, parseJson } from '../cloudevents/decode-data.ts';
import { httpBinding } from '../cloudevents/http-binding.ts';
import { joinToUtf8 } from '../cloudevents/join-to-utf8.ts';
import type { HttpMessage } from '../cloudevents/http-message.ts';
import { eventToJson } from '../cloudevents/json-event-format.ts';
import {
  MEDIA_TYPE_CE_BATCH_JSON,
  MEDIA_TYPE_CE_JSON,
  isJsonMediaType,
  isTextMediaType,
  parseMediaType,
} from '../cloudevents/media-type.ts';

const STRUCTURED = { 'content-type': `${MEDIA_TYPE_CE_JSON}; charset=utf-8` };
const BATCH = { 'content-type': `${MEDIA_TYPE_CE_BATCH_JSON}; charset=utf-8` };

/** A binary-mode delivery: attributes in `ce-*` headers, the payload bytes as the body. */
export function binaryRequest(event: CloudEventV1<unknown>): HttpMessage {
  return httpBinding.binary(event);
}

/**
 * The event in the JSON event format, as text (structured and batched deliveries). The payload is
 * read by its content type: JSON goes in as it is (checked, then spliced in byte for byte, so numbers
 * keep their exact text), text as a JSON string, anything else as `data_base64`. A payload that is
 * not what its content type says throws `KNMESH_CE_MALFORMED_BODY` or
 * `KNMESH_CE_UNSUPPORTED_MEDIA_TYPE`, and that message is dead-lettered on its own.
 */
export function jsonFormOf(event: CloudEventV1<unknown>): string {
  const data = event.data;
  if (!Buffer.isBuffer(data)) return JSON.stringify(eventToJson(event));
  let out = '{';
  for (const name of Object.keys(event)) {
    if (name === 'data' || name === 'data_base64') continue;
    const value = (event as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    out += memberOf(name, value);
  }
  const type = parseMediaType(event.datacontenttype) ?? undefined;
  if (type !== undefined && isJsonMediaType(type.essence)) {
    const bom = data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf ? 3 : 0;
    parseJson(data, type.parameters['charset']); // throws for what is not JSON
    return `${out}"data":${data.toString('utf8', bom)}}`;
  }
  if (type !== undefined && isTextMediaType(type.essence)) {
    return `${out}"data":${JSON.stringify(decodeData(data, type))}}`;
  }
  return `${out}"data_base64":"${data.toString('base64')}"}`;
}

const MEMBER_CACHE_LIMIT = 256;
/** Last `"name":value,` text per attribute name: most attributes repeat from one message to the next. */
const lastMembers = new Map<string, { value: unknown; text: string }>();

/** `"name":value,` of one attribute; strings and numbers that repeat are written once. */
function memberOf(name: string, value: unknown): string {
  const last = lastMembers.get(name);
  if (last !== undefined && last.value === value) return last.text;
  const text = `${JSON.stringify(name)}:${JSON.stringify(value instanceof Date ? value.toISOString() : value)},`;
  if (typeof value === 'string' || typeof value === 'number') {
    if (last !== undefined) {
      last.value = value;
      last.text = text;
    } else if (lastMembers.size < MEMBER_CACHE_LIMIT) {
      lastMembers.set(name, { value, text });
    }
  }
  return text;
}

/** A structured-mode delivery of one event, from `jsonFormOf`. */
export function structuredRequest(json: string): HttpMessage {
  return { headers: STRUCTURED, body: json };
}

const ORDERED_BATCH = { ...BATCH, [ORDERED_BATCH_HEADER]: 'true' };

/**
 * A batched delivery, from the `jsonFormOf` texts of its events, in order. `ordered` (an ordered
 * subscription) asks the host to run nothing after an event that failed retryably.
 */
export function batchRequest(jsons: readonly string[], ordered = false): HttpMessage {
  return { headers: ordered ? ORDERED_BATCH : BATCH, body: joinToUtf8('[', jsons, ']') };
}
