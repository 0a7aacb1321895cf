import { crc32c } from './crc32c.ts';
import { readMessageMetadata, type MessageMetadata } from './message-metadata.ts';
import { ProtobufReader } from './protobuf-reader.ts';

const MAGIC_CRC32C = 0x0e01;
const MAGIC_BROKER_ENTRY_METADATA = 0x0e02;

export interface MessagePayload {
  readonly metadata: MessageMetadata;
  /** The (possibly compressed, possibly batched) payload, a view into the frame. */
  readonly payload: Buffer;
}

/**
 * Reads the part of a MESSAGE frame after the command: optional broker entry metadata, the
 * CRC32-C magic and checksum, the metadata and the payload. Returns undefined when the checksum
 * does not match (the caller tells the broker and drops the message).
 */
export function parseMessagePayload(frame: Buffer, offset: number): MessagePayload | undefined {
  let pos = offset;
  if (frame.readUInt16BE(pos) === MAGIC_BROKER_ENTRY_METADATA) {
    pos += 6 + frame.readUInt32BE(pos + 2);
  }
  if (frame.readUInt16BE(pos) === MAGIC_CRC32C) {
    const expected = frame.readUInt32BE(pos + 2);
    pos += 6;
    if (crc32c(frame, 0, pos, frame.length) !== expected) return undefined;
  }
  const metadataSize = frame.readUInt32BE(pos);
  pos += 4;
  const metadata = readMessageMetadata(new ProtobufReader(frame, pos, pos + metadataSize));
  return { metadata, payload: frame.subarray(pos + metadataSize) };
}

/**
 * How many messages a MESSAGE frame carries (`num_messages_in_batch`, else 1), read without
 * checking the checksum: the broker charged that many permits for it, so a frame the client
 * drops must give back that many. Unreadable metadata counts as one.
 */
export function peekMessageCount(frame: Buffer, offset: number): number {
  try {
    let pos = offset;
    if (frame.readUInt16BE(pos) === MAGIC_BROKER_ENTRY_METADATA) pos += 6 + frame.readUInt32BE(pos + 2);
    if (frame.readUInt16BE(pos) === MAGIC_CRC32C) pos += 6;
    const metadataSize = frame.readUInt32BE(pos);
    pos += 4;
    return readMessageMetadata(new ProtobufReader(frame, pos, pos + metadataSize)).numMessagesInBatch ?? 1;
  } catch {
    return 1;
  }
}
