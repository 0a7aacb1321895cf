/**
 * A minimal protobuf (proto2) reader over a Buffer range. Length-delimited values are returned as
 * views (no copy). Unknown fields are skipped, so newer brokers' additions are harmless.
 */
export class ProtobufReader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;
  field = 0;
  wireType = 0;

  constructor(buf: Buffer, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Advances to the next field; false at the end of the range. */
  next(): boolean {
    if (this.pos >= this.end) return false;
    const key = this.varint();
    this.field = key >>> 3;
    this.wireType = key & 7;
    return true;
  }

  /** Unsigned varint as a number; exact up to 2^53. */
  varint(): number {
    const buf = this.buf;
    let byte = buf[this.pos++]!;
    if (byte < 0x80) return byte;
    let result = byte & 0x7f;
    let shift = 7;
    while (shift < 28) {
      byte = buf[this.pos++]!;
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) return result >>> 0;
      shift += 7;
    }
    let value = result >>> 0;
    let multiplier = 2 ** 28;
    for (let i = 0; i < 6; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      byte = buf[this.pos++]!;
      value += (byte & 0x7f) * multiplier;
      if (byte < 0x80) return value;
      multiplier *= 128;
    }
    throw new RangeError('malformed varint');
  }

  /** Unsigned 64-bit varint as a bigint (exact); short values take the number path. */
  varintBig(): bigint {
    const start = this.pos;
    let length = 0;
    while (length < 10 && this.pos + length < this.end && this.buf[this.pos + length]! >= 0x80) length++;
    if (length < 7) return BigInt(this.varint());
    this.pos = start;
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new RangeError('truncated varint');
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
      shift += 7n;
    }
    throw new RangeError('malformed varint');
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.varintBig());
  }

  /** int32 (negative values arrive as 10-byte varints). */
  int32(): number {
    const start = this.pos;
    const value = this.varint();
    if (this.pos - start < 6) return value | 0;
    this.pos = start;
    return Number(BigInt.asIntN(32, this.varintBig()));
  }

  bool(): boolean {
    return this.varint() !== 0;
  }

  bytes(): Buffer {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    if (this.pos > this.end) throw new RangeError('truncated field');
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    if (this.pos > this.end) throw new RangeError('truncated field');
    return this.buf.toString('utf8', start, this.pos);
  }

  /** A reader over the current length-delimited field. */
  sub(): ProtobufReader {
    const length = this.varint();
    const start = this.pos;
    this.pos += length;
    if (this.pos > this.end) throw new RangeError('truncated message');
    return new ProtobufReader(this.buf, start, this.pos);
  }

  /** Repeated int64 fields come packed or unpacked; both are accepted. */
  int64List(into: bigint[]): void {
    if (this.wireType === 2) {
      const sub = this.sub();
      while (sub.pos < sub.end) into.push(sub.int64());
    } else {
      into.push(this.int64());
    }
  }

  skip(): void {
    switch (this.wireType) {
      case 0:
        this.varintBig();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2: {
        const length = this.varint(); // read before adding: `pos += varint()` would use the old pos
        this.pos += length;
        return;
      }
      case 5:
        this.pos += 4;
        return;
      default:
        throw new RangeError(`unsupported wire type ${this.wireType}`);
    }
  }
}
