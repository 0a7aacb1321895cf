import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import { CloudEventsErrors } from './cloudevents-errors.ts';
import { isJsonMediaType, parseMediaType } from './media-type.ts';
import { toCloudEvent } from './to-cloud-event.ts';

// One character class and a length check: the grouped form of this test backtracks per quartet and
// was 5 % of the bridge's CPU time on batches of 1 KiB binary messages.
const BASE64_CHARS = /^[A-Za-z0-9+/]*={0,2}$/;

function isBase64(text: string): boolean {
  return text.length % 4 === 0 && BASE64_CHARS.test(text);
}

/**
 * Reads one event in the JSON event format (structured mode, and each element of a batch).
 * `data_base64` becomes a Buffer — not the SDK's one-byte-per-element `Uint32Array` (sdk-javascript#643).
 */
export function eventFromJson(value: unknown): CloudEvent<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw CloudEventsErrors.malformedBody.create('a structured event must be a JSON object');
  }
  const attributes: Record<string, unknown> = {};
  let data: unknown;
  let base64: unknown;
  for (const [name, item] of Object.entries(value)) {
    if (item === null) continue; // JSON null means "absent"
    if (name === 'data') data = item;
    else if (name === 'data_base64') base64 = item;
    else attributes[name] = item;
  }
  if (base64 !== undefined) {
    if (data !== undefined) {
      throw CloudEventsErrors.invalidEvent.create('an event may carry "data" or "data_base64", not both', {
        details: { attribute: 'data_base64', rule: 'excludes data' },
      });
    }
    if (typeof base64 !== 'string' || !isBase64(base64)) {
      throw CloudEventsErrors.invalidEvent.create('attribute "data_base64" must be base64 text', {
        details: { attribute: 'data_base64', rule: 'must be base64 text' },
      });
    }
    data = Buffer.from(base64, 'base64');
  }
  return toCloudEvent(attributes, data);
}

/**
 * Writes one event in the JSON event format, as a plain object ready for `JSON.stringify`.
 * Binary data (Buffer, typed arrays) goes to `data_base64`. A string with a JSON content type is taken
 * as JSON text, as the SDK's binary mode does, so both modes carry the same value.
 */
export function eventToJson(event: CloudEventV1<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(event)) {
    if (name === 'data' || name === 'data_base64') continue;
    const value = (event as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    out[name] = value instanceof Date ? value.toISOString() : value;
  }
  const data = event.data;
  if (data === undefined || data === null) return out;
  if (ArrayBuffer.isView(data)) {
    out['data_base64'] = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  } else if (typeof data === 'string' && isJsonContent(event.datacontenttype)) {
    out['data'] = parseJsonText(data);
  } else {
    out['data'] = data;
  }
  return out;
}

function isJsonContent(datacontenttype: string | undefined): boolean {
  if (datacontenttype === undefined) return false;
  const mediaType = parseMediaType(datacontenttype);
  return mediaType !== null && mediaType !== undefined && isJsonMediaType(mediaType.essence);
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // not JSON text after all: keep it as a JSON string value
  }
}
