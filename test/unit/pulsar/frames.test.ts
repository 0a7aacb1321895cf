import { describe, expect, it } from 'vitest';
import { CommandEncoder } from '../../../runtime/pulsar/protocol/command-encoder.ts';
import { AckType, CommandType, SubType } from '../../../runtime/pulsar/protocol/command-type.ts';
import { CompressionType } from '../../../runtime/pulsar/protocol/compression-type.ts';
import { crc32c } from '../../../runtime/pulsar/protocol/crc32c.ts';
import { decodeCommand } from '../../../runtime/pulsar/protocol/decode-command.ts';
import { FrameDecoder } from '../../../runtime/pulsar/protocol/frame-decoder.ts';
import {
  emptyMessageMetadata,
  readMessageMetadata,
} from '../../../runtime/pulsar/protocol/message-metadata.ts';
import { parseMessagePayload } from '../../../runtime/pulsar/protocol/parse-message-payload.ts';
import { ProtobufReader } from '../../../runtime/pulsar/protocol/protobuf-reader.ts';
import { ProtobufWriter } from '../../../runtime/pulsar/protocol/protobuf-writer.ts';
import { readMessageIdData, writeMessageIdData } from '../../../runtime/pulsar/protocol/message-id-data.ts';

/** Reads the BaseCommand of a client frame generically: type and the fields of its body. */
function fieldsOf(frame: Buffer): { type: number; fields: Map<number, unknown[]> } {
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  const commandSize = frame.readUInt32BE(4);
  const r = new ProtobufReader(frame, 8, 8 + commandSize);
  let type = 0;
  const fields = new Map<number, unknown[]>();
  while (r.next()) {
    if (r.field === 1) type = r.varint();
    else {
      const body = r.sub();
      while (body.next()) {
        const value = body.wireType === 0 ? body.varintBig() : body.bytes();
        fields.set(body.field, [...(fields.get(body.field) ?? []), value]);
      }
    }
  }
  return { type, fields };
}

/** A broker-side frame for decoder tests: MESSAGE with a payload, as the broker writes it. */
function messageFrame(payload: Buffer, corrupt = false): Buffer {
  const w = new ProtobufWriter();
  w.pos = 8;
  const cmdStart = w.pos;
  w.fieldVarint(1, CommandType.MESSAGE);
  const body = w.beginMessage(9);
  w.fieldVarint(1, 7);
  writeMessageIdData(w, 2, { ledgerId: 10, entryId: 20, partition: -1, batchIndex: -1 });
  w.fieldVarint(3, 2);
  w.endMessage(body);
  w.buf.writeUInt32BE(w.pos - cmdStart, 4);
  w.uint16BE(0x0e01);
  const crcAt = w.pos;
  w.pos += 4;
  const metaAt = w.pos;
  w.pos += 4;
  const m = emptyMessageMetadata();
  m.producerName = 'p';
  m.sequenceId = 5n;
  m.publishTime = 1234;
  m.partitionKey = 'k';
  m.properties = { a: 'b' };
  const start = w.pos;
  // writeMessageMetadata is exercised through the encoder elsewhere; here write minimal fields.
  w.fieldString(1, m.producerName);
  w.fieldBig(2, m.sequenceId);
  w.fieldVarint(3, m.publishTime);
  w.fieldString(6, 'k');
  w.buf.writeUInt32BE(w.pos - start, metaAt);
  w.ensure(payload.length);
  w.buf.set(payload, w.pos);
  w.pos += payload.length;
  w.buf.writeUInt32BE((crc32c(w.buf, 0, metaAt, w.pos) ^ (corrupt ? 1 : 0)) >>> 0, crcAt);
  w.buf.writeUInt32BE(w.pos - 4, 0);
  return w.copy();
}

describe('client frames', () => {
  const encoder = new CommandEncoder();

  it('encodes SUBSCRIBE, FLOW, ACK and REDELIVER with the proto field numbers', () => {
    const sub = fieldsOf(
      encoder.subscribe({
        topic: 't',
        subscription: 's',
        subType: SubType.Key_Shared,
        consumerId: 3,
        requestId: 9,
        durable: true,
        initialPosition: 1,
        keySharedAutoSplit: true,
        consumerEpoch: 2,
      }),
    );
    expect(sub.type).toBe(CommandType.SUBSCRIBE);
    expect(sub.fields.get(3)).toEqual([3n]);
    expect(sub.fields.get(13)).toEqual([1n]);
    expect(sub.fields.get(19)).toEqual([2n]);
    expect(sub.fields.has(17)).toBe(true);

    const flow = fieldsOf(encoder.flow(3, 500));
    expect(flow.type).toBe(CommandType.FLOW);
    expect(flow.fields.get(2)).toEqual([500n]);

    const ack = fieldsOf(
      encoder.ack(3, AckType.Cumulative, [
        { ledgerId: 1, entryId: 2, partition: -1, batchIndex: -1, ackSet: [-1n] },
      ]),
    );
    expect(ack.fields.get(2)).toEqual([1n]);
    const id = readMessageIdData(new ProtobufReader(ack.fields.get(3)![0] as Buffer));
    expect(id).toMatchObject({ ledgerId: 1, entryId: 2, ackSet: [-1n] });

    const redeliver = fieldsOf(encoder.redeliver(3, undefined, 4));
    expect(redeliver.type).toBe(CommandType.REDELIVER_UNACKNOWLEDGED_MESSAGES);
    expect(redeliver.fields.get(3)).toEqual([4n]);
  });

  it('frames SEND with a CRC32-C over metadata and payload that the payload parser accepts', () => {
    const m = emptyMessageMetadata();
    m.producerName = 'prod';
    m.sequenceId = 42n;
    m.publishTime = 1_700_000_000_000;
    m.properties = { x: 'y' };
    m.compression = CompressionType.LZ4;
    m.uncompressedSize = 99;
    m.numMessagesInBatch = 3;
    m.highestSequenceId = 44n;
    const payload = Buffer.from('payload bytes');
    const head = encoder.send(
      { producerId: 1, sequenceId: 42n, highestSequenceId: 44n, numMessages: 3 },
      m,
      payload,
    );
    const frame = Buffer.concat([head, payload]);
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const commandSize = frame.readUInt32BE(4);
    const parsed = parseMessagePayload(frame.subarray(4), 4 + commandSize);
    expect(parsed?.payload.toString()).toBe('payload bytes');
    expect(parsed?.metadata).toMatchObject({
      producerName: 'prod',
      sequenceId: 42n,
      numMessagesInBatch: 3,
      highestSequenceId: 44n,
      compression: CompressionType.LZ4,
      uncompressedSize: 99,
    });
    expect({ ...parsed!.metadata.properties }).toEqual({ x: 'y' });
    frame[frame.length - 1] = frame.at(-1)! ^ 0xff;
    expect(parseMessagePayload(frame.subarray(4), 4 + commandSize)).toBeUndefined();
  });

  it('keeps metadata fields it does not know out of the way', () => {
    const w = new ProtobufWriter();
    w.fieldString(1, 'p');
    w.fieldVarint(2, 1);
    w.fieldVarint(3, 2);
    w.fieldString(99, 'future field');
    w.fieldVarint(12, 77);
    expect(readMessageMetadata(new ProtobufReader(w.copy())).eventTime).toBe(77);
  });
});

describe('broker frames', () => {
  it('splits a byte stream into frames across arbitrary chunk boundaries', () => {
    const frames = [
      messageFrame(Buffer.from('one')),
      messageFrame(Buffer.alloc(3000, 1)),
      messageFrame(Buffer.from('')),
    ];
    const stream = Buffer.concat(frames);
    for (const chunkSize of [1, 3, 7, 64, 1000, stream.length]) {
      const got: Buffer[] = [];
      const decoder = new FrameDecoder(1 << 20, (f) => got.push(Buffer.from(f)));
      for (let i = 0; i < stream.length; i += chunkSize) decoder.push(stream.subarray(i, i + chunkSize));
      expect(got.map((f) => f.length)).toEqual(frames.map((f) => f.length - 4));
    }
  });

  it('refuses frames above the maximum size', () => {
    const decoder = new FrameDecoder(100, () => undefined);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(101);
    expect(() => decoder.push(header)).toThrow(RangeError);
  });

  it('decodes MESSAGE with its id, redelivery count, metadata and checksum', () => {
    const frame = messageFrame(Buffer.from('hello')).subarray(4);
    const commandSize = frame.readUInt32BE(0);
    const command = decodeCommand(frame, 4, 4 + commandSize);
    expect(command).toMatchObject({
      type: 9,
      consumerId: 7,
      redeliveryCount: 2,
      messageId: { ledgerId: 10, entryId: 20 },
    });
    const parsed = parseMessagePayload(frame, 4 + commandSize);
    expect(parsed?.payload.toString()).toBe('hello');
    expect(parsed?.metadata.partitionKey).toBe('k');
    const corrupt = messageFrame(Buffer.from('hello'), true).subarray(4);
    expect(parseMessagePayload(corrupt, 4 + commandSize)).toBeUndefined();
  });

  it('decodes a de-duplicated send receipt (ledger and entry -1) and unknown commands safely', () => {
    const w = new ProtobufWriter();
    w.fieldVarint(1, CommandType.SEND_RECEIPT);
    const body = w.beginMessage(7);
    w.fieldVarint(1, 1);
    w.fieldVarint(2, 5);
    const id = w.beginMessage(3);
    w.fieldBig(1, -1n);
    w.fieldBig(2, -1n);
    w.endMessage(id);
    w.endMessage(body);
    const buf = w.copy();
    expect(decodeCommand(buf, 0, buf.length)).toMatchObject({
      type: 7,
      sequenceId: 5n,
      messageId: { ledgerId: -1, entryId: -1 },
    });
    const unknown = new ProtobufWriter();
    unknown.fieldVarint(1, 99);
    const u = unknown.copy();
    expect(decodeCommand(u, 0, u.length)).toEqual({ type: 0, unknownType: 99 });
  });
});
