/**
 * The mark a thrown error carries to ask for retry or dead-lettering. A registered symbol rather than
 * `instanceof`, so that a function bundling its own copy of `knmesh/function` (or one that cannot import
 * it and sets the symbol itself) is still understood — the trap faas-js-runtime falls into with two
 * copies of the cloudevents SDK.
 */
export const DISPOSITION: unique symbol = Symbol.for('knmesh.disposition');

export type RequestedDisposition = 'retry' | 'dead-letter';

/** What a thrown value asks for, if it carries the mark. */
export function requestedDisposition(error: unknown): RequestedDisposition | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const mark = (error as { [DISPOSITION]?: unknown })[DISPOSITION];
  return mark === 'retry' || mark === 'dead-letter' ? mark : undefined;
}
