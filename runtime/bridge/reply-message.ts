import { CE_PROPERTY_PREFIX, CONTENT_TYPE_PROPERTY } from '../cloudevents/pulsar-binding.ts';
import type { Message } from '../pulsar/consumer/message.ts';
import type { ProducerMessage } from '../pulsar/producer/producer-options.ts';
import type { Reply } from './delivery-outcome.ts';

/** Provenance properties Pulsar Functions put on every output message (PulsarSink). */
export const INPUT_TOPIC_PROPERTY = '__pfn_input_topic__';
export const INPUT_MESSAGE_ID_PROPERTY = '__pfn_input_msg_id__';

/**
 * The Pulsar message for one reply of `input`. Properties, later ones winning: the input's
 * (with `forwardProperties`, minus its CloudEvents binding properties), the provenance Pulsar
 * Functions add (`__pfn_input_topic__`, `__pfn_input_msg_id__` = base64 of the Java message id bytes),
 * the reply's `knmeshproperties`, then the reply's own binding properties (`ce_*`, `content-type`).
 * The key is the reply's `partitionkey`, else the input's key.
 */
export function toReplyMessage(input: Message, reply: Reply, forwardProperties: boolean): ProducerMessage {
  const properties: Record<string, string> = {};
  if (forwardProperties) {
    const source = input.properties;
    for (const name in source) {
      if (name !== CONTENT_TYPE_PROPERTY && !name.startsWith(CE_PROPERTY_PREFIX))
        properties[name] = source[name]!;
    }
  }
  properties[INPUT_TOPIC_PROPERTY] = input.topic;
  properties[INPUT_MESSAGE_ID_PROPERTY] = input.messageId.toBytes().toString('base64');
  if (reply.properties !== undefined) Object.assign(properties, reply.properties);
  Object.assign(properties, reply.bindingProperties);
  const key = reply.key ?? input.key;
  return { payload: reply.payload, ...(key === undefined ? {} : { key }), properties };
}
