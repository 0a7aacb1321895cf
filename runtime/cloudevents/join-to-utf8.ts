/**
 * `prefix + parts.join(',') + suffix` as UTF-8 bytes, written straight into one buffer. Batch bodies
 * are larger than V8's biggest ordinary heap object (128 KiB), so the joined string would be a
 * large object that only a full collection frees; the buffer's bytes live outside the heap and go
 * with their small wrapper at the next young-generation collection.
 */
export function joinToUtf8(prefix: string, parts: readonly string[], suffix: string): Buffer {
  let size = Buffer.byteLength(prefix) + Buffer.byteLength(suffix) + Math.max(0, parts.length - 1);
  const lengths = new Array<number>(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const length = Buffer.byteLength(parts[i]!);
    lengths[i] = length;
    size += length;
  }
  const out = Buffer.allocUnsafe(size);
  let at = out.write(prefix, 0);
  for (let i = 0; i < parts.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ','
    at += out.write(parts[i]!, at, lengths[i]!);
  }
  out.write(suffix, at);
  return out;
}
