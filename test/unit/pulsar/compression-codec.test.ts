import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compressPayload, decompressPayload } from '../../../runtime/pulsar/compression/compression-codec.ts';
import { lz4Compress, lz4Decompress } from '../../../runtime/pulsar/compression/lz4-block.ts';
import { snappyCompress, snappyDecompress } from '../../../runtime/pulsar/compression/snappy-block.ts';
import { CompressionType } from '../../../runtime/pulsar/protocol/compression-type.ts';

function samples(): Buffer[] {
  const text = Buffer.from('the quick brown fox jumps over the lazy dog; '.repeat(300));
  const runs = Buffer.alloc(70_000, 7);
  const mixed = Buffer.concat([randomBytes(1000), text, randomBytes(50), runs, text.subarray(0, 999)]);
  const json = Buffer.from(
    JSON.stringify(Array.from({ length: 400 }, (_, i) => ({ id: i, name: `item-${i}`, ok: i % 3 === 0 }))),
  );
  return [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('abcdabcdabcd1'),
    text,
    runs,
    mixed,
    json,
    randomBytes(5000),
  ];
}

describe('LZ4 block codec', () => {
  it('round-trips data of every shape and compresses redundancy', () => {
    for (const sample of samples()) {
      const compressed = lz4Compress(sample);
      expect(lz4Decompress(compressed, sample.length).equals(sample)).toBe(true);
    }
    expect(lz4Compress(Buffer.alloc(70_000, 7)).length).toBeLessThan(400);
  });

  it('returns independent, right-sized buffers (no view of a reused or worst-case area)', () => {
    const first = lz4Compress(Buffer.alloc(200_000, 1));
    const kept = Buffer.from(first);
    const second = lz4Compress(randomBytes(300_000)); // larger than the area kept between calls
    const third = lz4Compress(Buffer.alloc(100_000, 2));
    expect(first.equals(kept)).toBe(true);
    expect(lz4Decompress(first, 200_000).equals(Buffer.alloc(200_000, 1))).toBe(true);
    expect(second.length).toBeGreaterThan(300_000);
    expect(lz4Decompress(third, 100_000).equals(Buffer.alloc(100_000, 2))).toBe(true);
    // A few hundred bytes of output must not pin the input-sized worst case, nor a pool slab.
    expect(first.buffer.byteLength).toBe(first.length);
    expect(third.buffer.byteLength).toBe(third.length);
  });

  it('decodes a block written by the reference implementation', () => {
    // 50 × 'a' then 'bcdefghijklm': literal 'a', match (offset 1, length 15 + 30 + 4), 12 literals.
    const input = Buffer.from('a'.repeat(50) + 'bcdefghijklm');
    const block = Buffer.from([0x1f, 0x61, 0x01, 0x00, 0x1e, 0xc0, ...Buffer.from('bcdefghijklm')]);
    expect(lz4Decompress(block, input.length).toString()).toBe(input.toString());
  });

  it('rejects corrupt input instead of reading out of bounds', () => {
    expect(() => lz4Decompress(Buffer.from([0x10, 0x61, 0x05, 0x00]), 10)).toThrow(RangeError);
    expect(() => lz4Decompress(Buffer.from([0xf0]), 100)).toThrow(RangeError);
    expect(() => lz4Decompress(lz4Compress(Buffer.from('hello world hello world')), 5)).toThrow(RangeError);
  });
});

describe('Snappy raw codec', () => {
  it('round-trips data of every shape', () => {
    for (const sample of samples()) {
      expect(snappyDecompress(snappyCompress(sample)).equals(sample)).toBe(true);
    }
    expect(snappyCompress(Buffer.alloc(70_000, 7)).length).toBeLessThan(5000);
  });

  it('decodes the reference encoding of a literal followed by copies', () => {
    // length 12, literal "abcd", copy-1 (len 8, offset 4)
    const encoded = Buffer.from([12, 3 << 2, 0x61, 0x62, 0x63, 0x64, 1 | (4 << 2), 4]);
    expect(snappyDecompress(encoded).toString()).toBe('abcdabcdabcd');
  });

  it('rejects corrupt input', () => {
    expect(() => snappyDecompress(Buffer.from([10, 1 | (4 << 2), 9]))).toThrow(RangeError);
    expect(() => snappyDecompress(Buffer.from([5, 4 << 2, 0x61]))).toThrow(RangeError);
  });
});

describe('payload codecs by protocol type', () => {
  it('round-trips every compression type', () => {
    const data = samples()[5]!;
    for (const type of Object.values(CompressionType)) {
      const compressed = compressPayload(type, data);
      expect(decompressPayload(type, compressed, data.length).equals(data)).toBe(true);
    }
  });

  it('ZLIB output is a zlib stream (as java.util.zip.Deflater writes) and ZSTD a zstd frame', () => {
    const data = Buffer.from('payload '.repeat(100));
    expect(compressPayload(CompressionType.ZLIB, data)[0]).toBe(0x78);
    expect(compressPayload(CompressionType.ZSTD, data).readUInt32LE(0)).toBe(0xfd2fb528);
  });

  it('refuses a payload whose size differs from the announced uncompressed size', () => {
    const data = Buffer.from('payload '.repeat(100));
    for (const type of [CompressionType.ZLIB, CompressionType.ZSTD, CompressionType.SNAPPY]) {
      expect(() => decompressPayload(type, compressPayload(type, data), data.length - 1)).toThrow();
    }
  });
});

describe('ZLIB streams as the Java codec writes them', () => {
  it('decodes a stream that ends with a sync flush instead of a final block', async () => {
    const { deflateSync, constants } = await import('node:zlib');
    const data = Buffer.from('java deflater output '.repeat(50));
    const syncFlushed = deflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
    expect(decompressPayload(CompressionType.ZLIB, syncFlushed, data.length).equals(data)).toBe(true);
  });
});
