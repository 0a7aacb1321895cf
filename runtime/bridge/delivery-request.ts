import type { CloudEventV1 } from 'cloudevents';
import { decodeData } from '../cloudevents/decode-data.ts';
import { httpBinding } from '../cloudevents/http-binding.ts';
import type { HttpMessage } from '../cloudevents/http-message.ts';
import { eventToJson } from '../cloudevents/json-event-format.ts';
import { MEDIA_TYPE_CE_BATCH_JSON, MEDIA_TYPE_CE_JSON, parseMediaType } from '../cloudevents/media-type.ts';

const STRUCTURED = { 'content-type': `${MEDIA_TYPE_CE_JSON}; charset=utf-8` };
const BATCH = { 'content-type': `${MEDIA_TYPE_CE_BATCH_JSON}; charset=utf-8` };

/** A binary-mode delivery: attributes in `ce-*` headers, the payload bytes as the body. */
export function binaryRequest(event: CloudEventV1<unknown>): HttpMessage {
  return httpBinding.binary(event);
}

/**
 * The event in the JSON event format, as text (structured and batched deliveries). The payload is
 * decoded by its content type first, so JSON stays JSON and text stays text (bytes become
 * `data_base64`); a payload that is not what its content type says throws `KNMESH_CE_MALFORMED_BODY`
 * or `KNMESH_CE_UNSUPPORTED_MEDIA_TYPE`, and that message is dead-lettered on its own.
 */
export function jsonFormOf(event: CloudEventV1<unknown>): string {
  const data = event.data;
  if (Buffer.isBuffer(data)) {
    const decoded = decodeData(data, parseMediaType(event.datacontenttype) ?? undefined);
    return JSON.stringify(eventToJson({ ...event, data: decoded }));
  }
  return JSON.stringify(eventToJson(event));
}

/** A structured-mode delivery of one event, from `jsonFormOf`. */
export function structuredRequest(json: string): HttpMessage {
  return { headers: STRUCTURED, body: json };
}

/** A batched delivery, from the `jsonFormOf` texts of its events, in order. */
export function batchRequest(jsons: readonly string[]): HttpMessage {
  return { headers: BATCH, body: `[${jsons.join(',')}]` };
}
