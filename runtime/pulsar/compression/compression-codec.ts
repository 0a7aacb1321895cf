import { deflateSync, inflateSync, zstdCompressSync, zstdDecompressSync, constants } from 'node:zlib';
import { CompressionType } from '../protocol/compression-type.ts';
import { lz4Compress, lz4Decompress } from './lz4-block.ts';
import { snappyCompress, snappyDecompress } from './snappy-block.ts';

/**
 * The payload codecs of the Pulsar protocol, each in the exact format the Java client uses:
 * LZ4 and Snappy raw blocks (own code, pure TypeScript), ZLIB as a zlib stream (`Deflater`
 * default), ZSTD frames at level 3 (Node's built-in zstd). See docs/adr/0011.
 */
export function compressPayload(type: CompressionType, data: Buffer): Buffer {
  switch (type) {
    case CompressionType.NONE:
      return data;
    case CompressionType.LZ4:
      return lz4Compress(data);
    case CompressionType.ZLIB:
      return deflateSync(data);
    case CompressionType.ZSTD:
      return zstdCompressSync(data, { params: { [constants.ZSTD_c_compressionLevel]: 3 } });
    case CompressionType.SNAPPY:
      return snappyCompress(data);
  }
}

/** Throws (RangeError or a zlib error) when the data is corrupt or does not have the announced size. */
export function decompressPayload(type: CompressionType, data: Buffer, uncompressedSize: number): Buffer {
  let out: Buffer;
  switch (type) {
    case CompressionType.NONE:
      return data;
    case CompressionType.LZ4:
      return lz4Decompress(data, uncompressedSize);
    case CompressionType.ZLIB:
      // The Java codec ends its stream with a sync flush, not a final block: accept that.
      out = inflateSync(data, {
        maxOutputLength: Math.max(1, uncompressedSize),
        finishFlush: constants.Z_SYNC_FLUSH,
      });
      break;
    case CompressionType.ZSTD:
      out = zstdDecompressSync(data, { maxOutputLength: Math.max(1, uncompressedSize) });
      break;
    case CompressionType.SNAPPY:
      out = snappyDecompress(data);
      break;
    default:
      throw new RangeError(`unknown compression type ${String(type)}`);
  }
  if (out.length !== uncompressedSize) {
    throw new RangeError(`decompressed ${out.length} bytes, expected ${uncompressedSize}`);
  }
  return out;
}
