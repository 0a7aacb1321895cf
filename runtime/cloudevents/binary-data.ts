import type { CloudEventV1 } from 'cloudevents';
import { MEDIA_TYPE_JSON } from './media-type.ts';

/** The data of an event as a binary-mode body, and the content type that goes with it. */
export interface BinaryData {
  readonly body: Buffer | string;
  readonly contentType: string | undefined;
}

/**
 * The body of a binary-mode message (HTTP or Pulsar). As in the SDK, strings and bytes go out as
 * they are and other values as JSON (content type `application/json` unless the event names one);
 * a value JSON cannot represent (a function, a BigInt, a cycle) throws TypeError.
 */
export function binaryData(event: CloudEventV1<unknown>): BinaryData {
  const data = event.data;
  const contentType = event.datacontenttype;
  if (data === undefined || data === null) return { body: '', contentType };
  if (typeof data === 'string') return { body: data, contentType };
  if (ArrayBuffer.isView(data)) {
    return { body: Buffer.from(data.buffer, data.byteOffset, data.byteLength), contentType };
  }
  const text = JSON.stringify(data);
  if (typeof text !== 'string') throw new TypeError(`event data of type ${typeof data} cannot be serialised`);
  return { body: text, contentType: contentType ?? MEDIA_TYPE_JSON };
}

/** An attribute value as text: the CloudEvents types (String, Integer, Boolean, Timestamp). */
export function attributeText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
      return String(value);
    default:
      return value instanceof Date ? value.toISOString() : JSON.stringify(value);
  }
}
