import type { CloudEvent } from 'cloudevents';
import { MEDIA_TYPE_JSON } from '../cloudevents/media-type.ts';
import { jsonDataBytes } from '../cloudevents/json-data-bytes.ts';
import { pulsarBinding, type PulsarMessage } from '../cloudevents/pulsar-binding.ts';

/**
 * The Pulsar message for an event the ingress accepted: always the binary mode of the Pulsar binding
 * (`ce_*` properties, the data as payload, `partitionkey` as key), so plain Pulsar consumers read the
 * data itself. A binary-mode HTTP event keeps its body byte for byte; an event read from the JSON
 * format gets its data as the reply contract says (JSON re-serialised, text as UTF-8, `data_base64`
 * decoded), and `application/json` when it named no content type but carried JSON data.
 */
export function toEventMessage(event: CloudEvent<unknown>, rawBody: Buffer | undefined): PulsarMessage {
  const attributes: Record<string, unknown> = {};
  for (const name of Object.keys(event)) {
    if (name !== 'data' && name !== 'data_base64')
      attributes[name] = (event as unknown as Record<string, unknown>)[name];
  }
  const data = event.data;
  const payload = rawBody ?? jsonDataBytes(event);
  if (
    rawBody === undefined &&
    attributes['datacontenttype'] === undefined &&
    data !== undefined &&
    !ArrayBuffer.isView(data)
  ) {
    attributes['datacontenttype'] = MEDIA_TYPE_JSON;
  }
  attributes['data'] = payload;
  return pulsarBinding.binary(attributes as unknown as CloudEvent<unknown>);
}
