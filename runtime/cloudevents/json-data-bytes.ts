import type { CloudEventV1 } from 'cloudevents';
import { isJsonMediaType, parseMediaType } from './media-type.ts';

/**
 * The bytes of the data of an event read in the JSON format (a batch, a structured message), as
 * docs/reply-contract.md §2 says for replies and the ingress does for accepted events: `data_base64` decoded; otherwise `data` re-serialised with
 * `JSON.stringify` when `datacontenttype` is JSON or absent, and UTF-8 text when it is a string of
 * another type. No data: an empty payload.
 */
export function jsonDataBytes(event: CloudEventV1<unknown>): Buffer {
  const data = event.data;
  if (data === undefined || data === null) return Buffer.alloc(0);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const type = event.datacontenttype === undefined ? undefined : parseMediaType(event.datacontenttype);
  if (typeof data === 'string' && type && !isJsonMediaType(type.essence)) return Buffer.from(data, 'utf8');
  return Buffer.from(JSON.stringify(data), 'utf8');
}
