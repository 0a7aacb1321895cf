/** `String.hashCode() & Integer.MAX_VALUE` (UTF-16 code units), the Java client's default key hash. */
export function javaStringHash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return h & 0x7fffffff;
}
