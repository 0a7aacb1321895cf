/**
 * A minimal protobuf (proto2) writer for the hand-written Pulsar encoders. It writes into one
 * growable buffer that is reused between frames, so encoding a command allocates nothing but the
 * final copy handed to the socket.
 */
export class ProtobufWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A copy of what was written since `start` (the socket keeps it after the writer is reused). */
  copy(start = 0): Buffer {
    const out = Buffer.allocUnsafe(this.pos - start);
    this.buf.copy(out, 0, start, this.pos);
    return out;
  }

  uint32BE(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(value >>> 0, this.pos);
    this.pos += 4;
  }

  uint16BE(value: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(value, this.pos);
    this.pos += 2;
  }

  /** Unsigned varint of a non-negative safe integer (up to 2^53). */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    while (value > 0x7fffffff) {
      buf[pos++] = (value % 128) | 0x80;
      value = Math.floor(value / 128);
    }
    while (value > 0x7f) {
      buf[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[pos++] = value;
    this.pos = pos;
  }

  /** Varint of a 64-bit value; negative values are written as 10-byte two's complement (int64). */
  varintBig(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    while (v > 0x7fn) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  fieldVarint(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  /** int32 fields: negative values take 10 bytes, as protobuf specifies. */
  fieldInt32(field: number, value: number): void {
    this.tag(field, 0);
    if (value >= 0) this.varint(value);
    else this.varintBig(BigInt(value));
  }

  fieldBig(field: number, value: bigint): void {
    this.tag(field, 0);
    this.varintBig(value);
  }

  fieldBool(field: number, value: boolean): void {
    this.tag(field, 0);
    this.varint(value ? 1 : 0);
  }

  fieldString(field: number, value: string): void {
    this.tag(field, 2);
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.buf.write(value, this.pos, length, 'utf8');
    this.pos += length;
  }

  fieldBytes(field: number, value: Uint8Array): void {
    this.tag(field, 2);
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Starts a length-delimited sub-message; pass the result to `endMessage`. */
  beginMessage(field: number): number {
    this.tag(field, 2);
    this.ensure(1);
    this.pos += 1; // one length byte reserved; endMessage shifts the body when it needs more
    return this.pos;
  }

  endMessage(bodyStart: number): void {
    const length = this.pos - bodyStart;
    if (length < 0x80) {
      this.buf[bodyStart - 1] = length;
      return;
    }
    let lengthBytes = 1;
    for (let v = length; v > 0x7f; v = Math.floor(v / 128)) lengthBytes++;
    this.ensure(lengthBytes - 1);
    this.buf.copyWithin(bodyStart + lengthBytes - 1, bodyStart, this.pos);
    const end = this.pos + lengthBytes - 1;
    this.pos = bodyStart - 1;
    this.varint(length);
    this.pos = end;
  }
}
