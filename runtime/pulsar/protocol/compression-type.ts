/** `CompressionType` of the protocol. */
export const CompressionType = { NONE: 0, LZ4: 1, ZLIB: 2, ZSTD: 3, SNAPPY: 4 } as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

/** Names as the options and the Java client spell them (lower case here). */
export type CompressionName = 'none' | 'lz4' | 'zlib' | 'zstd' | 'snappy';

export const COMPRESSION_BY_NAME: Readonly<Record<CompressionName, CompressionType>> = {
  none: CompressionType.NONE,
  lz4: CompressionType.LZ4,
  zlib: CompressionType.ZLIB,
  zstd: CompressionType.ZSTD,
  snappy: CompressionType.SNAPPY,
};
