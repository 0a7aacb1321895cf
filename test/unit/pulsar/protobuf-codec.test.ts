import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../runtime/pulsar/protocol/crc32c.ts';
import { ProtobufReader } from '../../../runtime/pulsar/protocol/protobuf-reader.ts';
import { ProtobufWriter } from '../../../runtime/pulsar/protocol/protobuf-writer.ts';

describe('CRC32-C', () => {
  it('matches the standard check value and continues across chunks', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, twice over.');
    expect(crc32c(data.subarray(13), crc32c(data.subarray(0, 13)))).toBe(crc32c(data));
    expect(crc32c(data, 0, 3, 20)).toBe(crc32c(data.subarray(3, 20)));
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
  });
});

describe('protobuf writer and reader', () => {
  it('round-trips varints at every size, negative int32/int64 and big uint64', () => {
    const w = new ProtobufWriter(4);
    const values = [0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1];
    for (const v of values) w.fieldVarint(1, v);
    w.fieldInt32(2, -1);
    w.fieldBig(3, -5n);
    w.fieldBig(4, 2n ** 64n - 1n);
    w.fieldBig(5, (123456789n << 28n) | 42n);
    const r = new ProtobufReader(w.copy());
    for (const v of values) {
      expect(r.next()).toBe(true);
      expect(r.field).toBe(1);
      expect(r.varint()).toBe(v);
    }
    r.next();
    expect(r.int32()).toBe(-1);
    r.next();
    expect(r.int64()).toBe(-5n);
    r.next();
    expect(r.varintBig()).toBe(2n ** 64n - 1n);
    r.next();
    expect(r.varintBig()).toBe((123456789n << 28n) | 42n);
    expect(r.next()).toBe(false);
  });

  it('writes nested messages of any length and strings with multi-byte characters', () => {
    const w = new ProtobufWriter(8);
    const outer = w.beginMessage(7);
    w.fieldString(1, 'ü'.repeat(200));
    const inner = w.beginMessage(2);
    w.fieldVarint(1, 99);
    w.endMessage(inner);
    w.endMessage(outer);
    w.fieldBool(8, true);
    const r = new ProtobufReader(w.copy());
    r.next();
    expect(r.field).toBe(7);
    const sub = r.sub();
    sub.next();
    expect(sub.string()).toBe('ü'.repeat(200));
    sub.next();
    const deeper = sub.sub();
    deeper.next();
    expect(deeper.varint()).toBe(99);
    expect(sub.next()).toBe(false);
    r.next();
    expect(r.bool()).toBe(true);
  });

  it('skips unknown fields of every wire type', () => {
    const w = new ProtobufWriter();
    w.fieldVarint(50, 1);
    w.tag(51, 1);
    w.ensure(8);
    w.pos += 8;
    w.fieldString(52, 'x');
    w.tag(53, 5);
    w.pos += 4;
    w.fieldVarint(1, 7);
    const r = new ProtobufReader(w.copy());
    let seen = -1;
    while (r.next()) {
      if (r.field === 1) seen = r.varint();
      else r.skip();
    }
    expect(seen).toBe(7);
  });

  it('reads packed and unpacked repeated int64', () => {
    const w = new ProtobufWriter();
    const packed = w.beginMessage(5);
    w.varintBig(-1n);
    w.varintBig(3n);
    w.endMessage(packed);
    w.fieldBig(5, 9n);
    const r = new ProtobufReader(w.copy());
    const out: bigint[] = [];
    while (r.next()) r.int64List(out);
    expect(out).toEqual([-1n, 3n, 9n]);
  });
});
