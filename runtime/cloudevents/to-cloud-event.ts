import { CloudEvent } from 'cloudevents';
import { checkEventAttributes } from './check-event-attributes.ts';
import { CloudEventsErrors } from './cloudevents-errors.ts';

/**
 * Builds the SDK `CloudEvent` a function receives, after checking every attribute explicitly
 * (`checkEventAttributes`, which covers the SDK's JSON schema). Throws `KNMESH_CE_INVALID_EVENT`
 * naming the attribute and the rule.
 *
 * The instance is made on the SDK's prototype rather than through its constructor, which would
 * invent a `time` for an event that has none and base64-encode binary data up front (and costs a
 * quarter of the host's per-request time): `instanceof CloudEvent`, `validate()`, `cloneWith()` and
 * `toJSON()` work as usual, and `data_base64` is computed when first read.
 */
export function toCloudEvent(
  attributes: Readonly<Record<string, unknown>>,
  data: unknown,
): CloudEvent<unknown> {
  const problem = checkEventAttributes(attributes);
  if (problem !== undefined) {
    throw CloudEventsErrors.invalidEvent.create(`attribute "${problem.attribute}" ${problem.rule}`, {
      details: { attribute: problem.attribute, rule: problem.rule },
    });
  }
  const event = Object.create(CloudEvent.prototype) as Record<string, unknown>;
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    if (value !== undefined && value !== null) event[name] = value;
  }
  event['data'] = data;
  if (ArrayBuffer.isView(data)) {
    let base64: string | undefined;
    Object.defineProperty(event, 'data_base64', {
      enumerable: true,
      get: () => (base64 ??= Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64')),
    });
  }
  return Object.freeze(event) as unknown as CloudEvent<unknown>;
}
