import type { ProtobufReader } from './protobuf-reader.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';

/** The wire form of a message id (`MessageIdData`). */
export interface MessageIdData {
  readonly ledgerId: number;
  readonly entryId: number;
  /** -1 when the topic is not a partition. */
  readonly partition: number;
  /** -1 when the entry is not a batch. */
  readonly batchIndex: number;
  /** Batch-index acknowledgement: set bits are the messages of the batch still unacknowledged. */
  readonly ackSet?: readonly bigint[] | undefined;
  readonly batchSize?: number | undefined;
}

export function writeMessageIdData(w: ProtobufWriter, field: number, id: MessageIdData): void {
  const start = w.beginMessage(field);
  w.fieldVarint(1, id.ledgerId);
  w.fieldVarint(2, id.entryId);
  if (id.partition >= 0) w.fieldInt32(3, id.partition);
  if (id.batchIndex >= 0) w.fieldInt32(4, id.batchIndex);
  if (id.ackSet !== undefined) for (const word of id.ackSet) w.fieldBig(5, word);
  if (id.batchSize !== undefined) w.fieldInt32(6, id.batchSize);
  w.endMessage(start);
}

export function readMessageIdData(r: ProtobufReader): MessageIdData {
  let ledgerId = 0;
  let entryId = 0;
  let partition = -1;
  let batchIndex = -1;
  let ackSet: bigint[] | undefined;
  let batchSize: number | undefined;
  while (r.next()) {
    switch (r.field) {
      case 1:
        ledgerId = r.varint();
        break;
      case 2:
        entryId = r.varint();
        break;
      case 3:
        partition = r.int32();
        break;
      case 4:
        batchIndex = r.int32();
        break;
      case 5:
        r.int64List((ackSet ??= []));
        break;
      case 6:
        batchSize = r.int32();
        break;
      default:
        r.skip();
    }
  }
  // The broker answers a de-duplicated send with ledger and entry -1 (as uint64).
  if (ledgerId >= 2 ** 63) ledgerId = -1;
  if (entryId >= 2 ** 63) entryId = -1;
  return { ledgerId, entryId, partition, batchIndex, ackSet, batchSize };
}
