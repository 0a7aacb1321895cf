import type { CompressionType } from './compression-type.ts';
import type { ProtobufReader } from './protobuf-reader.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';

/** The fields of `MessageMetadata` knmesh reads and writes. */
export interface MessageMetadata {
  producerName: string;
  sequenceId: bigint;
  publishTime: number;
  properties: Record<string, string> | undefined;
  partitionKey: string | undefined;
  partitionKeyB64Encoded: boolean;
  compression: CompressionType;
  uncompressedSize: number;
  /** Present only on batches (field absent means a single message). */
  numMessagesInBatch: number | undefined;
  eventTime: number;
  orderingKey: Buffer | undefined;
  highestSequenceId: bigint | undefined;
  nullValue: boolean;
  replicatedFrom: string | undefined;
  /** Set when the message is encrypted; knmesh cannot decrypt and says so. */
  encrypted: boolean;
  /** Chunked (split) message fields; knmesh does not reassemble chunks. */
  numChunksFromMsg: number | undefined;
  markerType: number | undefined;
}

export function emptyMessageMetadata(): MessageMetadata {
  return {
    producerName: '',
    sequenceId: 0n,
    publishTime: 0,
    properties: undefined,
    partitionKey: undefined,
    partitionKeyB64Encoded: false,
    compression: 0,
    uncompressedSize: 0,
    numMessagesInBatch: undefined,
    eventTime: 0,
    orderingKey: undefined,
    highestSequenceId: undefined,
    nullValue: false,
    replicatedFrom: undefined,
    encrypted: false,
    numChunksFromMsg: undefined,
    markerType: undefined,
  };
}

export function writeProperties(w: ProtobufWriter, field: number, properties: Record<string, string>): void {
  for (const key in properties) {
    const start = w.beginMessage(field);
    w.fieldString(1, key);
    w.fieldString(2, properties[key]!);
    w.endMessage(start);
  }
}

/** Reads one `KeyValue` into `into` (a prototype-less object, so any key is safe). */
export function readProperty(r: ProtobufReader, into: Record<string, string>): void {
  const kv = r.sub();
  let key = '';
  let value = '';
  while (kv.next()) {
    if (kv.field === 1) key = kv.string();
    else if (kv.field === 2) value = kv.string();
    else kv.skip();
  }
  into[key] = value;
}

/** Writes the metadata as a bare message (no field tag): the payload frame carries it length-prefixed. */
export function writeMessageMetadata(w: ProtobufWriter, m: MessageMetadata): void {
  w.fieldString(1, m.producerName);
  w.fieldBig(2, m.sequenceId);
  w.fieldVarint(3, m.publishTime);
  if (m.properties !== undefined) writeProperties(w, 4, m.properties);
  if (m.partitionKey !== undefined) w.fieldString(6, m.partitionKey);
  if (m.compression !== 0) {
    w.fieldVarint(8, m.compression);
    w.fieldVarint(9, m.uncompressedSize);
  }
  if (m.numMessagesInBatch !== undefined) w.fieldInt32(11, m.numMessagesInBatch);
  if (m.eventTime > 0) w.fieldVarint(12, m.eventTime);
  if (m.partitionKeyB64Encoded) w.fieldBool(17, true);
  if (m.orderingKey !== undefined) w.fieldBytes(18, m.orderingKey);
  if (m.highestSequenceId !== undefined) w.fieldBig(24, m.highestSequenceId);
  if (m.nullValue) w.fieldBool(25, true);
}

export function readMessageMetadata(r: ProtobufReader): MessageMetadata {
  const m = emptyMessageMetadata();
  while (r.next()) {
    switch (r.field) {
      case 1:
        m.producerName = r.string();
        break;
      case 2:
        m.sequenceId = r.varintBig();
        break;
      case 3:
        m.publishTime = r.varint();
        break;
      case 4:
        readProperty(r, (m.properties ??= Object.create(null) as Record<string, string>));
        break;
      case 5:
        m.replicatedFrom = r.string();
        break;
      case 6:
        m.partitionKey = r.string();
        break;
      case 8:
        m.compression = r.varint() as CompressionType;
        break;
      case 9:
        m.uncompressedSize = r.varint();
        break;
      case 11:
        m.numMessagesInBatch = r.int32();
        break;
      case 12:
        m.eventTime = r.varint();
        break;
      case 13:
        m.encrypted = true;
        r.skip();
        break;
      case 17:
        m.partitionKeyB64Encoded = r.bool();
        break;
      case 18:
        m.orderingKey = Buffer.from(r.bytes());
        break;
      case 20:
        m.markerType = r.int32();
        break;
      case 24:
        m.highestSequenceId = r.varintBig();
        break;
      case 25:
        m.nullValue = r.bool();
        break;
      case 27:
        m.numChunksFromMsg = r.int32();
        break;
      default:
        r.skip();
    }
  }
  return m;
}
