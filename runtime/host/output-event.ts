import { randomUUID } from 'node:crypto';
import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import { KnmeshExtensions } from '../cloudevents/knmesh-extensions.ts';
import { MEDIA_TYPE_JSON, MEDIA_TYPE_OCTET_STREAM, MEDIA_TYPE_TEXT_UTF8 } from '../cloudevents/media-type.ts';

/** `type` of the reply events the host builds from values. */
export const OUTPUT_EVENT_TYPE = 'dev.knmesh.function.output';

/**
 * Whether a value is a CloudEvent to send as it is, rather than data to wrap. `instanceof` alone
 * misses events built by another copy of the SDK (a bundled function), hence the fallback on the
 * constructor's name. Plain objects are always data, even when they have `specversion`.
 */
export function isCloudEvent(value: unknown): value is CloudEventV1<unknown> {
  if (value instanceof CloudEvent) return true;
  if (typeof value !== 'object' || value === null) return false;
  return (
    (value as { constructor?: { name?: unknown } }).constructor?.name === 'CloudEvent' &&
    typeof (value as { specversion?: unknown }).specversion === 'string'
  );
}

/** Extension attributes of an output event (docs/reply-contract.md); undefined ones are left out. */
export interface OutputExtensions {
  /** `knmeshtopic`: where the bridge publishes it; absent = its output topic. */
  readonly topic?: string | undefined;
  /** `partitionkey`: the key of the published message. */
  readonly key?: string | undefined;
  /** `knmeshproperties`: JSON text of the published message's properties. */
  readonly properties?: string | undefined;
}

/**
 * The reply event for a value a function returned or published: bytes stay bytes
 * (`application/octet-stream`), a string is `text/plain; charset=utf-8`, anything else is JSON.
 * A CloudEvent is taken as it is (a copy, with the extensions added).
 */
export function toOutputEvent(
  value: unknown,
  source: string,
  extensions: OutputExtensions,
): CloudEventV1<unknown> {
  const event: Record<string, unknown> = isCloudEvent(value)
    ? { ...value }
    : {
        specversion: '1.0',
        id: randomUUID(),
        source,
        type: OUTPUT_EVENT_TYPE,
        time: currentTimestamp(),
        datacontenttype: ArrayBuffer.isView(value)
          ? MEDIA_TYPE_OCTET_STREAM
          : typeof value === 'string'
            ? MEDIA_TYPE_TEXT_UTF8
            : MEDIA_TYPE_JSON,
        data: value,
      };
  if (extensions.topic !== undefined) event[KnmeshExtensions.knmeshTopic] = extensions.topic;
  if (extensions.key !== undefined) event[KnmeshExtensions.partitionKey] = extensions.key;
  if (extensions.properties !== undefined) event[KnmeshExtensions.knmeshProperties] = extensions.properties;
  return event as unknown as CloudEventV1<unknown>;
}

let lastMillis = 0;
let lastTimestamp = '';

/** `new Date().toISOString()`, formatted once per millisecond: replies at high rates share it. */
function currentTimestamp(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastTimestamp = new Date(now).toISOString();
  }
  return lastTimestamp;
}
