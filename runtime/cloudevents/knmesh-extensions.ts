/**
 * CloudEvent extension attributes of the bridge ↔ function contract (docs/reply-contract.md).
 * Names follow the CloudEvents rule `^[a-z0-9]+$`; every value is a String unless noted.
 */
export const KnmeshExtensions = {
  // Set by the bridge on each delivery.
  /** Topic the message was consumed from (`persistent://tenant/ns/topic`, partition suffix included). */
  pulsarTopic: 'pulsartopic',
  /** Message id, as the bridge prints it (`ledger:entry:partition:batchIndex`). */
  pulsarMessageId: 'pulsarmessageid',
  /** Publish time, RFC 3339. */
  pulsarPublishTime: 'pulsarpublishtime',
  /** Event time set by the producer, RFC 3339; absent when the producer set none. */
  pulsarEventTime: 'pulsareventtime',
  /** Integer: how many times the broker redelivered the message (0 on first delivery). */
  pulsarRedeliveryCount: 'pulsarredeliverycount',
  /** JSON text of an object of the message properties (string values); absent when there are none. */
  pulsarProperties: 'pulsarproperties',
  /**
   * The message key (Kafka-binding name, shared with replies): on deliveries the input key, on
   * replies the key the published message gets.
   */
  partitionKey: 'partitionkey',
  // Set by the function host on reply events.
  /** Topic a reply event goes to; absent means the bridge's output topic. */
  knmeshTopic: 'knmeshtopic',
  /** JSON text of an object of the properties the published message gets (string values). */
  knmeshProperties: 'knmeshproperties',
} as const;
