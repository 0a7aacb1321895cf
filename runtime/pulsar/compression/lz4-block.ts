/**
 * LZ4 block format (no frame), which is what Pulsar's LZ4 codec puts in a message: the
 * uncompressed size travels in `MessageMetadata.uncompressed_size`. Greedy single-probe
 * compressor in the spirit of LZ4's fast mode; the decoder checks every bound.
 */
const MIN_MATCH = 4;
const LAST_LITERALS = 5;
const MF_LIMIT = 12;
const MAX_OFFSET = 65535;

const tables = new Map<number, Int32Array>();

function tableFor(hashLog: number): Int32Array {
  let table = tables.get(hashLog);
  if (table === undefined) {
    table = new Int32Array(1 << hashLog);
    tables.set(hashLog, table);
  } else {
    table.fill(0);
  }
  return table;
}

function read32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

function writeLength(out: Buffer, op: number, length: number): number {
  while (length >= 255) {
    out[op++] = 255;
    length -= 255;
  }
  out[op++] = length;
  return op;
}

export function lz4CompressBound(length: number): number {
  return length + Math.floor(length / 255) + 16;
}

/** Largest output area kept between calls; bigger inputs get their own. */
const SCRATCH_LIMIT = 1024 * 1024;
let scratch = Buffer.allocUnsafeSlow(0);

/**
 * Compresses into a reused output area and returns a copy of exactly the compressed size: a
 * subarray of a fresh worst-case buffer would keep the whole worst case (about the input's size)
 * alive for as long as the producer holds the frame, which is until the broker's receipt.
 */
export function lz4Compress(src: Uint8Array): Buffer {
  const bound = lz4CompressBound(src.length);
  if (bound > SCRATCH_LIMIT) return ownCopy(compressInto(src, Buffer.allocUnsafe(bound)));
  if (scratch.length < bound) scratch = Buffer.allocUnsafeSlow(Math.max(bound, 64 * 1024));
  return ownCopy(compressInto(src, scratch));
}

/** A copy in its own memory: a slice of Node's shared pool would pin the whole pool slab. */
function ownCopy(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(out);
  return out;
}

/** LZ4 block compression of `src` into `out` (at least `lz4CompressBound` long); the used part of `out`. */
function compressInto(src: Uint8Array, out: Buffer): Buffer {
  const n = src.length;
  let op = 0;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    let hashLog = 10;
    while (hashLog < 16 && 1 << hashLog < n) hashLog++;
    const shift = 32 - hashLog;
    const table = tableFor(hashLog); // positions + 1, so 0 means empty
    const mfLimit = n - MF_LIMIT;
    const matchLimit = n - LAST_LITERALS;
    let ip = 0;
    let misses = 0;
    while (ip < mfLimit) {
      const sequence = read32(src, ip);
      const h = Math.imul(sequence, 2654435761) >>> shift;
      let ref = table[h]! - 1;
      table[h] = ip + 1;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== sequence) {
        ip += 1 + (misses++ >> 6); // skip faster through incompressible data
        continue;
      }
      misses = 0;
      while (ip > anchor && ref > 0 && src[ip - 1] === src[ref - 1]) {
        ip--;
        ref--;
      }
      let length = MIN_MATCH;
      while (ip + length < matchLimit && src[ip + length] === src[ref + length]) length++;
      const literals = ip - anchor;
      const token = op++;
      if (literals >= 15) {
        out[token] = 0xf0;
        op = writeLength(out, op, literals - 15);
      } else {
        out[token] = literals << 4;
      }
      if (literals > 0) {
        out.set(src.subarray(anchor, ip), op);
        op += literals;
      }
      const offset = ip - ref;
      out[op++] = offset & 0xff;
      out[op++] = offset >>> 8;
      const matchCode = length - MIN_MATCH;
      if (matchCode >= 15) {
        out[token] |= 0x0f;
        op = writeLength(out, op, matchCode - 15);
      } else {
        out[token] |= matchCode;
      }
      ip += length;
      anchor = ip;
      if (ip - 2 >= 0 && ip - 2 < mfLimit)
        table[Math.imul(read32(src, ip - 2), 2654435761) >>> shift] = ip - 1;
    }
  }
  const literals = n - anchor;
  if (literals >= 15) {
    out[op++] = 0xf0;
    op = writeLength(out, op, literals - 15);
  } else {
    out[op++] = literals << 4;
  }
  out.set(src.subarray(anchor, n), op);
  op += literals;
  return out.subarray(0, op);
}

/** Decompresses a block whose decompressed size is known; throws RangeError on corrupt input. */
export function lz4Decompress(src: Uint8Array, uncompressedSize: number): Buffer {
  const dst = Buffer.allocUnsafe(uncompressedSize);
  const end = src.length;
  let ip = 0;
  let op = 0;
  while (ip < end) {
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw new RangeError('lz4: truncated literal length');
        b = src[ip++]!;
        literals += b;
      } while (b === 255);
    }
    if (ip + literals > end || op + literals > uncompressedSize)
      throw new RangeError('lz4: literals overflow');
    if (literals < 16) {
      for (let i = 0; i < literals; i++) dst[op + i] = src[ip + i]!;
    } else {
      dst.set(src.subarray(ip, ip + literals), op);
    }
    ip += literals;
    op += literals;
    if (ip >= end) break; // the last sequence has literals only
    if (ip + 2 > end) throw new RangeError('lz4: truncated offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw new RangeError('lz4: invalid offset');
    let length = token & 0x0f;
    if (length === 15) {
      let b: number;
      do {
        if (ip >= end) throw new RangeError('lz4: truncated match length');
        b = src[ip++]!;
        length += b;
      } while (b === 255);
    }
    length += MIN_MATCH;
    if (op + length > uncompressedSize) throw new RangeError('lz4: match overflow');
    const from = op - offset;
    if (offset >= length && length >= 32) {
      dst.copyWithin(op, from, from + length);
    } else {
      for (let i = 0; i < length; i++) dst[op + i] = dst[from + i]!;
    }
    op += length;
  }
  if (op !== uncompressedSize)
    throw new RangeError(`lz4: decompressed ${op} bytes, expected ${uncompressedSize}`);
  return dst;
}
