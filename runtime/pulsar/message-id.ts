import type { MessageIdData } from './protocol/message-id-data.ts';
import { readMessageIdData, writeMessageIdData } from './protocol/message-id-data.ts';
import { ProtobufReader } from './protocol/protobuf-reader.ts';
import { ProtobufWriter } from './protocol/protobuf-writer.ts';

/**
 * Where a message is stored: ledger, entry, partition (-1: not partitioned) and index inside a
 * batch (-1: not batched). Ordered as the broker orders them; `toString()` is stable
 * (`ledger:entry:partition:batchIndex`) and `toBytes()` is the Java client's `toByteArray()`.
 */
export class MessageId {
  readonly ledgerId: number;
  readonly entryId: number;
  readonly partition: number;
  readonly batchIndex: number;
  /** Messages in the batch (0 when not batched). */
  readonly batchSize: number;

  constructor(ledgerId: number, entryId: number, partition = -1, batchIndex = -1, batchSize = 0) {
    this.ledgerId = ledgerId;
    this.entryId = entryId;
    this.partition = partition;
    this.batchIndex = batchIndex;
    this.batchSize = batchSize;
  }

  static readonly earliest = new MessageId(-1, -1);
  static readonly latest = new MessageId(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);

  /** Parses `toString()` output. */
  static parse(text: string): MessageId {
    const parts = text.split(':').map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) {
      throw new RangeError(`not a message id: ${JSON.stringify(text)}`);
    }
    return new MessageId(parts[0]!, parts[1]!, parts[2], parts[3]);
  }

  static fromBytes(bytes: Buffer): MessageId {
    const d = readMessageIdData(new ProtobufReader(bytes));
    return new MessageId(d.ledgerId, d.entryId, d.partition, d.batchIndex, d.batchSize ?? 0);
  }

  toBytes(): Buffer {
    const w = new ProtobufWriter(64);
    const start = w.pos;
    writeMessageIdData(w, 1, this.toData());
    // writeMessageIdData writes a tagged field; the Java form is the bare message.
    const r = new ProtobufReader(w.buf, start, w.pos);
    r.next();
    return Buffer.from(r.bytes());
  }

  toString(): string {
    return `${this.ledgerId}:${this.entryId}:${this.partition}:${this.batchIndex}`;
  }

  /** Negative, zero or positive as this id is before, equal to or after `other` (same topic). */
  compareTo(other: MessageId): number {
    return (
      this.ledgerId - other.ledgerId ||
      this.entryId - other.entryId ||
      this.partition - other.partition ||
      this.batchIndex - other.batchIndex
    );
  }

  equals(other: MessageId): boolean {
    return this.compareTo(other) === 0;
  }

  /** The wire form (entry level: without batch index and ack set). */
  toData(): MessageIdData {
    return { ledgerId: this.ledgerId, entryId: this.entryId, partition: this.partition, batchIndex: -1 };
  }
}
