import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import { CloudEventsErrors } from './cloudevents-errors.ts';
import { joinToUtf8 } from './join-to-utf8.ts';
import { eventFromJson, eventToJson } from './json-event-format.ts';

/**
 * The answer to a batched delivery (docs/reply-contract.md, "Batches"): HTTP 200 with one result per
 * input event, in input order, so that the bridge acknowledges, retries or dead-letters each message
 * on its own and publishes each one's reply events.
 */
export const MEDIA_TYPE_BATCH_RESULTS = 'application/vnd.knmesh.batch-results+json';

/**
 * Request header of a batch from an ordered subscription (key_shared, failover, exclusive): once an
 * event fails retryably, the host runs none of the events after it, so none overtakes the retry.
 */
export const ORDERED_BATCH_HEADER = 'knmesh-batch-ordered';

/** Result code of an event the host did not run because an earlier event of an ordered batch failed. */
export const SKIPPED_RESULT_CODE = 'KNMESH_HOST_SKIPPED';

/** The error body every knmesh HTTP error carries. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** One input event's outcome, as the host writes it. */
export interface BatchResult {
  /** The input event's id; absent when that element was not a valid event with an id. */
  readonly id: string | undefined;
  /** The HTTP status this event would have had on its own (200, 204, 400, 422, 500, 503, 504 ...). */
  readonly status: number;
  /** Reply events (status 200 only), in the order the bridge publishes them. */
  readonly events?: readonly CloudEventV1<unknown>[];
  /** Why it failed (status ≥ 400 only). */
  readonly error?: ErrorBody;
}

/** A result as the bridge reads it: reply events validated and turned into SDK events. */
export interface ReceivedBatchResult {
  readonly id: string | undefined;
  readonly status: number;
  readonly events: readonly CloudEvent<unknown>[];
  readonly error: ErrorBody | undefined;
}

/**
 * One result as JSON text. Encoding each result on its own lets a host turn a reply that cannot be
 * serialised (a BigInt, a cycle: TypeError) into that event's failure without losing the others.
 */
export function encodeBatchResult(result: BatchResult): string {
  // Written member by member: one JSON.stringify per event instead of an object of spreads.
  let out = result.id === undefined ? '{' : `{"id":${JSON.stringify(result.id)},`;
  out += `"status":${JSON.stringify(result.status)}`;
  if (result.events !== undefined) {
    out += ',"events":[';
    for (let i = 0; i < result.events.length; i++) {
      if (i > 0) out += ',';
      out += JSON.stringify(eventToJson(result.events[i]!));
    }
    out += ']';
  }
  if (result.error !== undefined) out += `,"error":${JSON.stringify(result.error)}`;
  return `${out}}`;
}

/** The batch-results body from results encoded with `encodeBatchResult`, in input order. */
export function joinBatchResults(encoded: readonly string[]): Buffer {
  return joinToUtf8('{"results":[', encoded, ']}');
}

/**
 * Reads a batch-results body for the bridge. `inputIds` are the ids of the events it sent, in order;
 * any mismatch in count or id, or a malformed entry, fails the whole answer with
 * `KNMESH_CE_INVALID_BATCH_RESULTS` (retry the batch) — never a silent acknowledgement.
 */
export function decodeBatchResults(
  body: string | Buffer,
  inputIds: readonly string[],
): ReceivedBatchResult[] {
  const bad = (why: string): never => {
    throw CloudEventsErrors.invalidBatchResults.create(`invalid batch results: ${why}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return bad('not JSON');
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return bad('no "results" array');
  if (results.length !== inputIds.length)
    return bad(`${results.length} results for ${inputIds.length} events`);
  return results.map((raw: unknown, index): ReceivedBatchResult => {
    if (typeof raw !== 'object' || raw === null) return bad(`result ${index} is not an object`);
    const { id, status, events, error } = raw as Record<string, unknown>;
    if (id !== undefined && id !== inputIds[index]) return bad(`result ${index} is for another event`);
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      return bad(`result ${index} has no valid status`);
    }
    if (events !== undefined && (!Array.isArray(events) || status !== 200)) {
      return bad(`result ${index} has events but status ${status}`);
    }
    if (status >= 400 && !isErrorBody(error)) return bad(`result ${index} fails without an error body`);
    let received: CloudEvent<unknown>[];
    try {
      received = ((events as unknown[] | undefined) ?? []).map(eventFromJson);
    } catch {
      return bad(`result ${index} carries an invalid reply event`);
    }
    return {
      id: id as string | undefined,
      status,
      events: received,
      error: status >= 400 ? (error as ErrorBody) : undefined,
    };
  });
}

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message, retryable } = value as Record<string, unknown>;
  return typeof code === 'string' && typeof message === 'string' && typeof retryable === 'boolean';
}
