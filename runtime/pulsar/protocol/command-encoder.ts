import { crc32c } from './crc32c.ts';
import { CommandType, PROTOCOL_VERSION, type AckType, type SubType } from './command-type.ts';
import { writeMessageIdData, type MessageIdData } from './message-id-data.ts';
import { writeMessageMetadata, writeProperties, type MessageMetadata } from './message-metadata.ts';
import { ProtobufWriter } from './protobuf-writer.ts';

const MAGIC_CRC32C = 0x0e01;

export interface ConnectCommand {
  readonly clientVersion: string;
  readonly authMethodName?: string | undefined;
  readonly authData?: Buffer | undefined;
  readonly proxyToBrokerUrl?: string | undefined;
}

export interface ProducerCommand {
  readonly topic: string;
  readonly producerId: number;
  readonly requestId: number;
  readonly producerName?: string | undefined;
  readonly userProvidedProducerName: boolean;
  readonly epoch: number;
  readonly metadata?: Record<string, string> | undefined;
}

export interface SubscribeCommand {
  readonly topic: string;
  readonly subscription: string;
  readonly subType: SubType;
  readonly consumerId: number;
  readonly requestId: number;
  readonly consumerName?: string | undefined;
  readonly durable: boolean;
  readonly initialPosition: 0 | 1;
  readonly keySharedAutoSplit: boolean;
  readonly replicateSubscriptionState?: boolean | undefined;
  readonly consumerEpoch?: number | undefined;
  readonly metadata?: Record<string, string> | undefined;
}

export interface SendCommand {
  readonly producerId: number;
  readonly sequenceId: bigint;
  readonly highestSequenceId?: bigint | undefined;
  readonly numMessages: number;
  /**
   * One chunk of a split message: the broker then skips the de-duplication check for all but the
   * last chunk (they share the message's sequence id) and a topic's lower size limit.
   */
  readonly isChunk?: boolean;
}

/**
 * Builds the frames a client sends (`[totalSize][commandSize][BaseCommand]`, and for SEND the
 * checksummed payload part). One encoder per connection: its scratch buffer is reused, and every
 * frame is a fresh copy the socket may keep.
 */
export class CommandEncoder {
  private readonly w = new ProtobufWriter(8192);

  private begin(type: CommandType): number {
    const w = this.w;
    w.reset();
    w.pos = 8; // totalSize and commandSize are filled in by end()
    w.fieldVarint(1, type);
    return w.beginMessage(type);
  }

  private endCommand(bodyStart: number): void {
    this.w.endMessage(bodyStart);
    this.w.buf.writeUInt32BE(this.w.pos - 8, 4);
  }

  private end(bodyStart: number): Buffer {
    this.endCommand(bodyStart);
    this.w.buf.writeUInt32BE(this.w.pos - 4, 0);
    return this.w.copy();
  }

  connect(c: ConnectCommand): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.CONNECT);
    w.fieldString(1, c.clientVersion);
    if (c.authData !== undefined) w.fieldBytes(3, c.authData);
    w.fieldInt32(4, PROTOCOL_VERSION);
    if (c.authMethodName !== undefined) w.fieldString(5, c.authMethodName);
    if (c.proxyToBrokerUrl !== undefined) w.fieldString(6, c.proxyToBrokerUrl);
    const flags = w.beginMessage(10);
    w.fieldBool(1, true); // supports_auth_refresh: we answer AUTH_CHALLENGE
    w.endMessage(flags);
    return this.end(s);
  }

  authResponse(clientVersion: string, authMethodName: string, authData: Buffer): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.AUTH_RESPONSE);
    w.fieldString(1, clientVersion);
    const data = w.beginMessage(2);
    w.fieldString(1, authMethodName);
    w.fieldBytes(2, authData);
    w.endMessage(data);
    w.fieldInt32(3, PROTOCOL_VERSION);
    return this.end(s);
  }

  ping(): Buffer {
    return this.end(this.begin(CommandType.PING));
  }

  pong(): Buffer {
    return this.end(this.begin(CommandType.PONG));
  }

  lookup(topic: string, requestId: number, authoritative: boolean): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.LOOKUP);
    w.fieldString(1, topic);
    w.fieldVarint(2, requestId);
    if (authoritative) w.fieldBool(3, true);
    return this.end(s);
  }

  partitionedMetadata(topic: string, requestId: number): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.PARTITIONED_METADATA);
    w.fieldString(1, topic);
    w.fieldVarint(2, requestId);
    return this.end(s);
  }

  topicsOfNamespace(requestId: number, namespace: string, mode: 0 | 1 | 2, pattern?: string): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.GET_TOPICS_OF_NAMESPACE);
    w.fieldVarint(1, requestId);
    w.fieldString(2, namespace);
    w.fieldVarint(3, mode);
    if (pattern !== undefined) w.fieldString(4, pattern);
    return this.end(s);
  }

  producer(c: ProducerCommand): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.PRODUCER);
    w.fieldString(1, c.topic);
    w.fieldVarint(2, c.producerId);
    w.fieldVarint(3, c.requestId);
    if (c.producerName !== undefined) w.fieldString(4, c.producerName);
    if (c.metadata !== undefined) writeProperties(w, 6, c.metadata);
    w.fieldVarint(8, c.epoch);
    w.fieldBool(9, c.userProvidedProducerName);
    return this.end(s);
  }

  closeProducer(producerId: number, requestId: number): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.CLOSE_PRODUCER);
    w.fieldVarint(1, producerId);
    w.fieldVarint(2, requestId);
    return this.end(s);
  }

  subscribe(c: SubscribeCommand): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.SUBSCRIBE);
    w.fieldString(1, c.topic);
    w.fieldString(2, c.subscription);
    w.fieldVarint(3, c.subType);
    w.fieldVarint(4, c.consumerId);
    w.fieldVarint(5, c.requestId);
    if (c.consumerName !== undefined) w.fieldString(6, c.consumerName);
    w.fieldBool(8, c.durable);
    if (c.metadata !== undefined) writeProperties(w, 10, c.metadata);
    w.fieldVarint(13, c.initialPosition);
    if (c.replicateSubscriptionState) w.fieldBool(14, true);
    if (c.keySharedAutoSplit) {
      const meta = w.beginMessage(17);
      w.fieldVarint(1, 0); // AUTO_SPLIT
      w.endMessage(meta);
    }
    if (c.consumerEpoch !== undefined) w.fieldVarint(19, c.consumerEpoch);
    return this.end(s);
  }

  flow(consumerId: number, permits: number): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.FLOW);
    w.fieldVarint(1, consumerId);
    w.fieldVarint(2, permits);
    return this.end(s);
  }

  ack(
    consumerId: number,
    ackType: AckType,
    ids: readonly MessageIdData[],
    requestId?: number,
    validationError?: number,
  ): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.ACK);
    w.fieldVarint(1, consumerId);
    w.fieldVarint(2, ackType);
    for (const id of ids) writeMessageIdData(w, 3, id);
    if (validationError !== undefined) w.fieldVarint(4, validationError);
    if (requestId !== undefined) w.fieldVarint(8, requestId);
    return this.end(s);
  }

  redeliver(consumerId: number, ids: readonly MessageIdData[] | undefined, consumerEpoch?: number): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES);
    w.fieldVarint(1, consumerId);
    if (ids !== undefined) for (const id of ids) writeMessageIdData(w, 2, id);
    if (consumerEpoch !== undefined) w.fieldVarint(3, consumerEpoch);
    return this.end(s);
  }

  unsubscribe(consumerId: number, requestId: number): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.UNSUBSCRIBE);
    w.fieldVarint(1, consumerId);
    w.fieldVarint(2, requestId);
    return this.end(s);
  }

  closeConsumer(consumerId: number, requestId: number): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.CLOSE_CONSUMER);
    w.fieldVarint(1, consumerId);
    w.fieldVarint(2, requestId);
    return this.end(s);
  }

  /**
   * The head of a SEND frame (command, magic, checksum, metadata) for `payload`; the caller
   * writes the head and then the payload, which is never copied.
   */
  send(c: SendCommand, metadata: MessageMetadata, payload: Uint8Array): Buffer {
    const w = this.w;
    const s = this.begin(CommandType.SEND);
    w.fieldVarint(1, c.producerId);
    w.fieldBig(2, c.sequenceId);
    if (c.numMessages !== 1) w.fieldInt32(3, c.numMessages);
    if (c.highestSequenceId !== undefined) w.fieldBig(6, c.highestSequenceId);
    if (c.isChunk === true) w.fieldBool(7, true);
    this.endCommand(s);
    w.uint16BE(MAGIC_CRC32C);
    const crcAt = w.pos;
    w.pos += 4;
    const metadataSizeAt = w.pos;
    w.pos += 4;
    writeMessageMetadata(w, metadata);
    w.buf.writeUInt32BE(w.pos - metadataSizeAt - 4, metadataSizeAt);
    const checksum = crc32c(payload, crc32c(w.buf, 0, metadataSizeAt, w.pos));
    w.buf.writeUInt32BE(checksum, crcAt);
    w.buf.writeUInt32BE(w.pos - 4 + payload.length, 0);
    return w.copy();
  }
}
