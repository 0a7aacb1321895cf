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
  /** A message split into chunks (one entry each): `ChunkAssembler` joins them again. */
  chunk: ChunkFields | undefined;
  markerType: number | undefined;
}

/** MessageMetadata fields 26–29 of one chunk of a split message. */
export interface ChunkFields {
  /** Same for every chunk of one message (the Java producer: `<producer name>-<sequence id>`). */
  uuid: string;
  numChunksFromMsg: number;
  /** Size of the whole (still compressed) payload. */
  totalChunkMsgSize: number;
  chunkId: number;
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
    chunk: undefined,
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
  if (m.chunk !== undefined) {
    w.fieldString(26, m.chunk.uuid);
    w.fieldInt32(27, m.chunk.numChunksFromMsg);
    w.fieldInt32(28, m.chunk.totalChunkMsgSize);
    w.fieldInt32(29, m.chunk.chunkId);
  }
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
      case 26:
        chunkOf(m).uuid = r.string();
        break;
      case 27:
        chunkOf(m).numChunksFromMsg = r.int32();
        break;
      case 28:
        chunkOf(m).totalChunkMsgSize = r.int32();
        break;
      case 29:
        chunkOf(m).chunkId = r.int32();
        break;
      default:
        r.skip();
    }
  }
  return m;
}

function chunkOf(m: MessageMetadata): ChunkFields {
  return (m.chunk ??= { uuid: '', numChunksFromMsg: 1, totalChunkMsgSize: 0, chunkId: 0 });
}
