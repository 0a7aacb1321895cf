/**
 * CRC32-C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Pulsar payload frames.
 * Slicing-by-8 tables: every MESSAGE is verified and every SEND is summed, so this is a hot path.
 */
const TABLES: Int32Array[] = (() => {
  const tables: Int32Array[] = [];
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1]!;
    const table = new Int32Array(256);
    for (let n = 0; n < 256; n++) table[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    tables.push(table);
  }
  return tables;
})();
const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES as [
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
  Int32Array,
];

/** Continues a CRC32-C over `data[start, end)`; start a new sum with `crc = 0`. */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  let c = ~crc;
  let i = start;
  const stop8 = end - ((end - i) & 7);
  while (i < stop8) {
    const a = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    c =
      T7[a & 0xff]! ^
      T6[(a >>> 8) & 0xff]! ^
      T5[(a >>> 16) & 0xff]! ^
      T4[a >>> 24]! ^
      T3[data[i + 4]!]! ^
      T2[data[i + 5]!]! ^
      T1[data[i + 6]!]! ^
      T0[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) c = T0[(c ^ data[i++]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
