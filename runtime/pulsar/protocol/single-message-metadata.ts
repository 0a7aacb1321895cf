import type { ProtobufReader } from './protobuf-reader.ts';
import type { ProtobufWriter } from './protobuf-writer.ts';
import { readProperty, writeProperties } from './message-metadata.ts';

/** Per-message header inside a batch (`SingleMessageMetadata`). */
export interface SingleMessageMetadata {
  properties: Record<string, string> | undefined;
  partitionKey: string | undefined;
  partitionKeyB64Encoded: boolean;
  payloadSize: number;
  compactedOut: boolean;
  eventTime: number;
  orderingKey: Buffer | undefined;
  sequenceId: bigint | undefined;
  nullValue: boolean;
}

export function writeSingleMessageMetadata(w: ProtobufWriter, m: SingleMessageMetadata): void {
  if (m.properties !== undefined) writeProperties(w, 1, m.properties);
  if (m.partitionKey !== undefined) w.fieldString(2, m.partitionKey);
  w.fieldInt32(3, m.payloadSize);
  if (m.eventTime > 0) w.fieldVarint(5, m.eventTime);
  if (m.partitionKeyB64Encoded) w.fieldBool(6, true);
  if (m.orderingKey !== undefined) w.fieldBytes(7, m.orderingKey);
  if (m.sequenceId !== undefined) w.fieldBig(8, m.sequenceId);
  if (m.nullValue) w.fieldBool(9, true);
}

export function readSingleMessageMetadata(r: ProtobufReader): SingleMessageMetadata {
  const m: SingleMessageMetadata = {
    properties: undefined,
    partitionKey: undefined,
    partitionKeyB64Encoded: false,
    payloadSize: 0,
    compactedOut: false,
    eventTime: 0,
    orderingKey: undefined,
    sequenceId: undefined,
    nullValue: false,
  };
  while (r.next()) {
    switch (r.field) {
      case 1:
        readProperty(r, (m.properties ??= Object.create(null) as Record<string, string>));
        break;
      case 2:
        m.partitionKey = r.string();
        break;
      case 3:
        m.payloadSize = r.int32();
        break;
      case 4:
        m.compactedOut = r.bool();
        break;
      case 5:
        m.eventTime = r.varint();
        break;
      case 6:
        m.partitionKeyB64Encoded = r.bool();
        break;
      case 7:
        m.orderingKey = Buffer.from(r.bytes());
        break;
      case 8:
        m.sequenceId = r.varintBig();
        break;
      case 9:
        m.nullValue = r.bool();
        break;
      default:
        r.skip();
    }
  }
  return m;
}
