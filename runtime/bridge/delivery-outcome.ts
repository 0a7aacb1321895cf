/** Why a delivery failed: what a dead-lettered message carries in its `knmesh-error-*` properties. */
export interface DeliveryFailure {
  /** A catalogue code: the function's (`KNMESH_FUNCTION_REJECTED`, ...) or the bridge's own. */
  readonly code: string;
  /** The HTTP status of the answer, when there was one. */
  readonly status: number | undefined;
  /** Short and safe to store: an error message from the function or the bridge, never a stack. */
  readonly reason: string;
  /** The function's `Retry-After`, a lower bound of the next delay. */
  readonly retryAfterMs?: number | undefined;
  /** The request never reached the function (connection refused): retried even at-most-once. */
  readonly beforeInvocation?: boolean | undefined;
}

/** One reply event, ready to become a Pulsar message (docs/reply-contract.md §2). */
export interface Reply {
  /** `knmeshtopic` as the event wrote it; undefined = the bridge's output topic. */
  readonly topic: string | undefined;
  /** `partitionkey`; undefined = keep the input's key. */
  readonly key: string | undefined;
  /** `knmeshproperties`, parsed. */
  readonly properties: Readonly<Record<string, string>> | undefined;
  readonly payload: Buffer;
  /** The Pulsar binding's properties of the event: `ce_*` attributes and `content-type`. */
  readonly bindingProperties: Readonly<Record<string, string>>;
}

/** What happened to one message's delivery, before anything is published or acknowledged. */
export type DeliveryOutcome =
  | { readonly kind: 'success'; readonly status: number; readonly replies: readonly Reply[] }
  | { readonly kind: 'retry'; readonly failure: DeliveryFailure }
  | { readonly kind: 'dead-letter'; readonly failure: DeliveryFailure }
  /** The host did not run it (an earlier event of its ordered batch failed): send again, no attempt. */
  | { readonly kind: 'not-run' };

/** A failure from a catalogue error (the bridge's or the binding's). */
export function failureOf(
  error: { code: string; status: number; message: string },
  status?: number,
): DeliveryFailure {
  return { code: error.code, status, reason: error.message };
}
