/**
 * Batch-index acknowledgement bitsets, in the `long[]` form of `java.util.BitSet.toLongArray()`:
 * bit i of word i/64 stands for message i of the batch; set means "not acknowledged yet".
 */
export function ackSetOf(isUnacked: (index: number) => boolean, batchSize: number): bigint[] {
  const words: bigint[] = [];
  for (let base = 0; base < batchSize; base += 64) {
    let word = 0n;
    const end = Math.min(batchSize, base + 64);
    for (let i = base; i < end; i++) if (isUnacked(i)) word |= 1n << BigInt(i - base);
    words.push(BigInt.asIntN(64, word));
  }
  while (words.length > 0 && words[words.length - 1] === 0n) words.pop(); // BitSet trims trailing zeros
  return words;
}

/** True when message `index` is still unacknowledged according to the broker's ack set. */
export function ackSetHas(ackSet: readonly bigint[], index: number): boolean {
  const word = ackSet[index >> 6];
  if (word === undefined) return false;
  return (BigInt.asUintN(64, word) >> BigInt(index & 63)) & 1n ? true : false;
}
