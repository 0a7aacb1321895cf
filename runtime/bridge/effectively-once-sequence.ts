import type { MessageId } from '../pulsar/message-id.ts';

const LEDGER_BITS = 30n;
const ENTRY_BITS = 21n;
const INDEX_BITS = 12n;

/** Largest values the layout holds: ledger ids below 2^30, entry ids below 2^21, 4096 replies per entry. */
export const SEQUENCE_LIMITS = {
  ledgerId: 2 ** Number(LEDGER_BITS),
  entryId: 2 ** Number(ENTRY_BITS),
  index: 2 ** Number(INDEX_BITS),
} as const;

/**
 * The sequence id of the `index`-th message the bridge publishes for one input entry, under one
 * producer name (effectively-once, ADR 0022): `ledger << 33 | entry << 12 | index`, 63 bits, growing
 * with the input position so that the broker's de-duplication (per producer name: drop what is not
 * above the last stored id) turns everything a restarted bridge publishes again into no-ops.
 *
 * Pulsar Functions use `ledger << 28 | entry`, which gives every message of a batched entry, and
 * every reply of one input, the same id: the broker would drop all but the first. The index (replies
 * counted over the entry's messages in order, or the batch index for dead letters) fixes that, at the
 * price of the limits above. Returns undefined when a part does not fit.
 */
export function effectivelyOnceSequenceId(id: MessageId, index: number): bigint | undefined {
  if (
    id.ledgerId < 0 ||
    id.ledgerId >= SEQUENCE_LIMITS.ledgerId ||
    id.entryId < 0 ||
    id.entryId >= SEQUENCE_LIMITS.entryId ||
    index < 0 ||
    index >= SEQUENCE_LIMITS.index
  ) {
    return undefined;
  }
  return (
    (BigInt(id.ledgerId) << (ENTRY_BITS + INDEX_BITS)) | (BigInt(id.entryId) << INDEX_BITS) | BigInt(index)
  );
}
