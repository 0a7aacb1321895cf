/** `BaseCommand.Type`: the number of each command, also the field number of its body. */
export const CommandType = {
  CONNECT: 2,
  CONNECTED: 3,
  SUBSCRIBE: 4,
  PRODUCER: 5,
  SEND: 6,
  SEND_RECEIPT: 7,
  SEND_ERROR: 8,
  MESSAGE: 9,
  ACK: 10,
  FLOW: 11,
  UNSUBSCRIBE: 12,
  SUCCESS: 13,
  ERROR: 14,
  CLOSE_PRODUCER: 15,
  CLOSE_CONSUMER: 16,
  PRODUCER_SUCCESS: 17,
  PING: 18,
  PONG: 19,
  REDELIVER_UNACKNOWLEDGED_MESSAGES: 20,
  PARTITIONED_METADATA: 21,
  PARTITIONED_METADATA_RESPONSE: 22,
  LOOKUP: 23,
  LOOKUP_RESPONSE: 24,
  REACHED_END_OF_TOPIC: 27,
  SEEK: 28,
  ACTIVE_CONSUMER_CHANGE: 31,
  GET_TOPICS_OF_NAMESPACE: 32,
  GET_TOPICS_OF_NAMESPACE_RESPONSE: 33,
  AUTH_CHALLENGE: 36,
  AUTH_RESPONSE: 37,
  ACK_RESPONSE: 38,
} as const;
export type CommandType = (typeof CommandType)[keyof typeof CommandType];

/**
 * The protocol version knmesh speaks: v19 (ack receipts, broker entry metadata, consumer epochs).
 * The broker does not use features of later versions with a client that advertises this one.
 */
export const PROTOCOL_VERSION = 19;

/** `CommandSubscribe.SubType`. */
export const SubType = { Exclusive: 0, Shared: 1, Failover: 2, Key_Shared: 3 } as const;
export type SubType = (typeof SubType)[keyof typeof SubType];

/** `CommandAck.AckType`. */
export const AckType = { Individual: 0, Cumulative: 1 } as const;
export type AckType = (typeof AckType)[keyof typeof AckType];
