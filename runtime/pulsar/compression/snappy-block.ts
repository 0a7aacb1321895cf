/**
 * Snappy raw format (no framing), which is what Pulsar's Snappy codec (xerial snappy-java
 * `Snappy.compress`) produces: a varint of the uncompressed length, then literal and copy
 * elements. Like the reference compressor, input is handled in 64 KiB fragments so that every
 * copy uses a 2-byte offset.
 */
const FRAGMENT = 65536;
const INPUT_MARGIN = 15;

let table = new Int32Array(1 << 14);

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

function emitLiteral(out: Buffer, op: number, src: Uint8Array, from: number, to: number): number {
  const n = to - from - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else if (n < 0x10000) {
    out[op++] = 61 << 2;
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  } else {
    out[op++] = 62 << 2;
    out[op++] = n & 0xff;
    out[op++] = (n >>> 8) & 0xff;
    out[op++] = n >>> 16;
  }
  out.set(src.subarray(from, to), op);
  return op + (to - from);
}

function emitCopyAtMost64(out: Buffer, op: number, offset: number, length: number): number {
  if (length < 12 && offset < 2048) {
    out[op++] = 1 | ((length - 4) << 2) | ((offset >>> 8) << 5);
    out[op++] = offset & 0xff;
  } else {
    out[op++] = 2 | ((length - 1) << 2);
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

function emitCopy(out: Buffer, op: number, offset: number, length: number): number {
  while (length >= 68) {
    op = emitCopyAtMost64(out, op, offset, 64);
    length -= 64;
  }
  if (length > 64) {
    op = emitCopyAtMost64(out, op, offset, 60);
    length -= 60;
  }
  return emitCopyAtMost64(out, op, offset, length);
}

export function snappyCompress(src: Uint8Array): Buffer {
  const n = src.length;
  const out = Buffer.allocUnsafe(32 + n + Math.floor(n / 6));
  let op = 0;
  for (let v = n; ; v >>>= 7) {
    if (v < 0x80) {
      out[op++] = v;
      break;
    }
    out[op++] = (v & 0x7f) | 0x80;
  }
  for (let start = 0; start < n; start += FRAGMENT) {
    const end = Math.min(n, start + FRAGMENT);
    op = compressFragment(src, start, end, out, op);
  }
  return out.subarray(0, op);
}

function compressFragment(src: Uint8Array, start: number, end: number, out: Buffer, op: number): number {
  let anchor = start;
  if (end - start >= INPUT_MARGIN) {
    let hashLog = 8;
    while (hashLog < 14 && 1 << hashLog < end - start) hashLog++;
    const shift = 32 - hashLog;
    if (table.length < 1 << hashLog) table = new Int32Array(1 << hashLog);
    table.fill(0, 0, 1 << hashLog); // positions relative to the fragment + 1
    const limit = end - INPUT_MARGIN;
    let ip = start + 1;
    let misses = 32;
    while (ip < limit) {
      const sequence = read32(src, ip);
      const h = Math.imul(sequence, 0x1e35a7bd) >>> shift;
      const ref = table[h]! - 1 + start;
      table[h] = ip - start + 1;
      if (ref < start || read32(src, ref) !== sequence) {
        ip += misses++ >> 5;
        continue;
      }
      misses = 32;
      let length = 4;
      while (ip + length < end && src[ip + length] === src[ref + length]) length++;
      if (ip > anchor) op = emitLiteral(out, op, src, anchor, ip);
      op = emitCopy(out, op, ip - ref, length);
      ip += length;
      anchor = ip;
    }
  }
  if (anchor < end) op = emitLiteral(out, op, src, anchor, end);
  return op;
}

export function snappyUncompressedLength(src: Uint8Array): number {
  let result = 0;
  let multiplier = 1;
  for (let i = 0; i < 5 && i < src.length; i++) {
    const b = src[i]!;
    result += (b & 0x7f) * multiplier;
    if (b < 0x80) return result;
    multiplier *= 128;
  }
  throw new RangeError('snappy: malformed length');
}

/** Decompresses raw Snappy; throws RangeError on corrupt input. */
export function snappyDecompress(src: Uint8Array): Buffer {
  let ip = 0;
  let length = 0;
  let multiplier = 1;
  for (;;) {
    if (ip >= src.length || ip > 4) throw new RangeError('snappy: malformed length');
    const b = src[ip++]!;
    length += (b & 0x7f) * multiplier;
    if (b < 0x80) break;
    multiplier *= 128;
  }
  const dst = Buffer.allocUnsafe(length);
  const end = src.length;
  let op = 0;
  while (ip < end) {
    const tag = src[ip++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const bytes = n - 59;
        if (ip + bytes > end) throw new RangeError('snappy: truncated literal');
        n = 0;
        for (let i = 0; i < bytes; i++) n |= src[ip + i]! << (8 * i);
        n >>>= 0;
        ip += bytes;
      }
      n += 1;
      if (ip + n > end || op + n > length) throw new RangeError('snappy: literal overflow');
      if (n < 16) for (let i = 0; i < n; i++) dst[op + i] = src[ip + i]!;
      else dst.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
      continue;
    }
    let n: number;
    let offset: number;
    if (kind === 1) {
      if (ip + 1 > end) throw new RangeError('snappy: truncated copy');
      n = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[ip++]!;
    } else if (kind === 2) {
      if (ip + 2 > end) throw new RangeError('snappy: truncated copy');
      n = (tag >>> 2) + 1;
      offset = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
    } else {
      if (ip + 4 > end) throw new RangeError('snappy: truncated copy');
      n = (tag >>> 2) + 1;
      offset = (src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24)) >>> 0;
      ip += 4;
    }
    if (offset === 0 || offset > op || op + n > length) throw new RangeError('snappy: invalid copy');
    const from = op - offset;
    if (offset >= n && n >= 32) dst.copyWithin(op, from, from + n);
    else for (let i = 0; i < n; i++) dst[op + i] = dst[from + i]!;
    op += n;
  }
  if (op !== length) throw new RangeError(`snappy: decompressed ${op} bytes, expected ${length}`);
  return dst;
}
