import type { MessageIdData } from './message-id-data.ts';

/** Commands a broker sends to a client, decoded into plain objects. */
export type IncomingCommand =
  | { type: 3; serverVersion: string; protocolVersion: number; maxMessageSize: number | undefined }
  | { type: 7; producerId: number; sequenceId: bigint; messageId: MessageIdData | undefined }
  | { type: 8; producerId: number; sequenceId: bigint; error: number; message: string }
  | {
      type: 9;
      consumerId: number;
      messageId: MessageIdData;
      redeliveryCount: number;
      ackSet: bigint[] | undefined;
      consumerEpoch: number | undefined;
    }
  | { type: 13; requestId: number }
  | { type: 14; requestId: number; error: number; message: string }
  | { type: 15; producerId: number; requestId: number }
  | { type: 16; consumerId: number; requestId: number }
  | {
      type: 17;
      requestId: number;
      producerName: string;
      lastSequenceId: bigint;
      producerReady: boolean;
    }
  | { type: 18 }
  | { type: 19 }
  | {
      type: 22;
      requestId: number;
      partitions: number;
      failed: boolean;
      error: number | undefined;
      message: string | undefined;
    }
  | {
      type: 24;
      requestId: number;
      brokerServiceUrl: string | undefined;
      brokerServiceUrlTls: string | undefined;
      response: number;
      authoritative: boolean;
      error: number | undefined;
      message: string | undefined;
      proxyThroughServiceUrl: boolean;
    }
  | { type: 27; consumerId: number }
  | { type: 31; consumerId: number; isActive: boolean }
  | { type: 33; requestId: number; topics: string[]; filtered: boolean }
  | { type: 36; authMethodName: string | undefined; challenge: Buffer | undefined }
  | {
      type: 38;
      consumerId: number;
      requestId: number | undefined;
      error: number | undefined;
      message: string | undefined;
    }
  | { type: 0; unknownType: number };
