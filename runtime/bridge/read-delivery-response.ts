import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import {
  decodeBatchResults,
  MEDIA_TYPE_BATCH_RESULTS,
  SKIPPED_RESULT_CODE,
} from '../cloudevents/batch-results.ts';
import { classifyDeliveryStatus } from '../cloudevents/classify-delivery-status.ts';
import { CloudEventsErrors } from '../cloudevents/cloudevents-errors.ts';
import { httpBinding } from '../cloudevents/http-binding.ts';
import { KnmeshExtensions as X } from '../cloudevents/knmesh-extensions.ts';
import { parseMediaType } from '../cloudevents/media-type.ts';
import { attributeText } from '../cloudevents/binary-data.ts';
import { CE_PROPERTY_PREFIX, CONTENT_TYPE_PROPERTY } from '../cloudevents/pulsar-binding.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import { BridgeErrors } from './bridge-errors.ts';
import type { DeliveryFailure, DeliveryOutcome, Reply } from './delivery-outcome.ts';
import type { SinkFailure, SinkResponse } from './http-sender.ts';
import { jsonDataBytes } from '../cloudevents/json-data-bytes.ts';

const MAX_REASON = 512;
const CODE = /^[A-Z][A-Z0-9_]{0,99}$/;

/**
 * The outcome of a single (binary or structured) delivery, from the function's answer
 * (docs/reply-contract.md §2, §4): 2xx succeeds with its reply events (none for 204 or an empty body;
 * a body that is not a CloudEvent becomes one plain reply, as a Pulsar Function's return value would);
 * other statuses are retried or dead-lettered as `classifyDeliveryStatus` says.
 */
export function readSingleResponse(answer: SinkResponse | SinkFailure): DeliveryOutcome {
  if (!('status' in answer)) return fromSinkFailure(answer);
  const verdict = classifyDeliveryStatus(answer.status);
  if (verdict !== 'success') return { kind: verdict, failure: failureFromBody(answer, verdict) };
  try {
    return { kind: 'success', status: answer.status, replies: repliesOf(answer) };
  } catch (error) {
    return invalidReply(answer.status, error);
  }
}

/**
 * The outcomes of a batched delivery, one per event sent, in order. A whole-request failure (no
 * answer, a non-2xx status, an answer that breaks the batch-result contract) applies to every event;
 * otherwise each event's result is classified on its own (docs/reply-contract.md §3).
 */
export function readBatchResponse(
  answer: SinkResponse | SinkFailure,
  sentIds: readonly string[],
  ordered = false,
): DeliveryOutcome[] {
  const all = (outcome: DeliveryOutcome): DeliveryOutcome[] => sentIds.map(() => outcome);
  if (!('status' in answer)) return all(fromSinkFailure(answer));
  const verdict = classifyDeliveryStatus(answer.status);
  if (verdict !== 'success') return all({ kind: verdict, failure: failureFromBody(answer, verdict) });
  const type = parseMediaType(header(answer, 'content-type'));
  if (!type || type.essence !== MEDIA_TYPE_BATCH_RESULTS) {
    return all(
      invalidReply(
        answer.status,
        CloudEventsErrors.invalidBatchResults.create(
          `a batch must be answered with ${MEDIA_TYPE_BATCH_RESULTS}, not ${header(answer, 'content-type') ?? 'no content type'}`,
        ),
      ),
    );
  }
  let results: ReturnType<typeof decodeBatchResults>;
  try {
    results = decodeBatchResults(answer.body, sentIds);
  } catch (error) {
    return all(invalidReply(answer.status, error));
  }
  // "Not run" costs no attempt, so it is believed only where the contract allows it: in an ordered
  // batch, after a retryable failure. Anywhere else it is an ordinary retry (no endless free loop).
  let retryableBefore = false;
  return results.map((result): DeliveryOutcome => {
    const outcome = classifyDeliveryStatus(result.status);
    if (outcome === 'retry' && result.error?.code === SKIPPED_RESULT_CODE && ordered && retryableBefore) {
      return { kind: 'not-run' };
    }
    if (outcome === 'retry') retryableBefore = true;
    if (outcome === 'success') {
      try {
        return {
          kind: 'success',
          status: result.status,
          replies: result.events.map((event) => toReply(event, jsonDataBytes(event))),
        };
      } catch (error) {
        return invalidReply(result.status, error);
      }
    }
    const error = result.error;
    return {
      kind: outcome,
      failure: {
        code: error !== undefined && CODE.test(error.code) ? error.code : codeFor(outcome),
        status: result.status,
        reason: clip(error?.message ?? `HTTP ${result.status}`),
      },
    };
  });
}

function repliesOf(answer: SinkResponse): Reply[] {
  const message = { headers: answer.headers, body: answer.body };
  const mode = httpBinding.mode(message);
  if (mode === undefined) {
    // A plain answer: its body is the one reply (an empty one means none).
    if (answer.body.length === 0) return [];
    const contentType = header(answer, 'content-type');
    return [
      {
        topic: undefined,
        key: undefined,
        properties: undefined,
        payload: answer.body,
        bindingProperties: contentType === undefined ? {} : { [CONTENT_TYPE_PROPERTY]: contentType },
      },
    ];
  }
  const { entries } = httpBinding.toEvents(message);
  return entries.map((entry) => {
    if (entry instanceof KnmeshError) throw entry;
    return toReply(entry, mode === 'binary' ? answer.body : jsonDataBytes(entry));
  });
}

/** A reply event as a Pulsar message: knmesh's control attributes apart, the rest in binary mode. */
export function toReply(event: CloudEvent<unknown> | CloudEventV1<unknown>, payload: Buffer): Reply {
  const attributes = event as unknown as Record<string, unknown>;
  const topic = attributes[X.knmeshTopic];
  const key = attributes[X.partitionKey];
  const properties = attributes[X.knmeshProperties];
  if (topic !== undefined && (typeof topic !== 'string' || topic === '')) {
    throw BridgeErrors.invalidReply.create(`reply attribute "${X.knmeshTopic}" must be a topic name`);
  }
  if (key !== undefined && typeof key !== 'string') {
    throw BridgeErrors.invalidReply.create(`reply attribute "${X.partitionKey}" must be a string`);
  }
  // The Pulsar binding's binary mode (pulsarBinding.binary), written out: this runs per reply.
  const bindingProperties: Record<string, string> = {};
  for (const name of Object.keys(attributes)) {
    if (
      name === 'data' ||
      name === 'data_base64' ||
      name === 'datacontenttype' ||
      name === X.knmeshTopic ||
      name === X.partitionKey ||
      name === X.knmeshProperties
    ) {
      continue;
    }
    const value = attributes[name];
    if (value !== undefined && value !== null)
      bindingProperties[CE_PROPERTY_PREFIX + name] = attributeText(value);
  }
  const contentType = attributes['datacontenttype'];
  if (typeof contentType === 'string') bindingProperties[CONTENT_TYPE_PROPERTY] = contentType;
  return {
    topic,
    key,
    properties: properties === undefined ? undefined : parseProperties(properties),
    payload,
    bindingProperties,
  };
}

function parseProperties(value: unknown): Record<string, string> {
  const bad = (): never => {
    throw BridgeErrors.invalidReply.create(
      `reply attribute "${X.knmeshProperties}" must be the JSON text of an object of strings`,
    );
  };
  if (typeof value !== 'string') return bad();
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return bad();
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad();
  for (const item of Object.values(parsed)) if (typeof item !== 'string') return bad();
  return parsed as Record<string, string>;
}

function fromSinkFailure(failure: SinkFailure): DeliveryOutcome {
  const definition =
    failure.kind === 'timeout'
      ? BridgeErrors.deliveryTimeout
      : failure.kind === 'too-large'
        ? BridgeErrors.invalidReply
        : BridgeErrors.sinkUnreachable;
  return {
    kind: 'retry',
    failure: {
      code: definition.code,
      status: undefined,
      reason: failure.reason,
      beforeInvocation: failure.beforeInvocation,
    },
  };
}

/** A failed answer: its knmesh error body when it has one, else the status and the start of the body. */
function failureFromBody(answer: SinkResponse, outcome: 'retry' | 'dead-letter'): DeliveryFailure {
  let code = codeFor(outcome);
  let reason = `HTTP ${answer.status}`;
  const text = answer.body.length > 0 ? answer.body.subarray(0, 4096).toString('utf8') : '';
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string' && CODE.test(body.code)) code = body.code;
    if (typeof body.message === 'string') reason = body.message;
  } catch {
    if (text !== '') reason = `HTTP ${answer.status}: ${text}`;
  }
  return { code, status: answer.status, reason: clip(reason), retryAfterMs: retryAfterMs(answer) };
}

function invalidReply(status: number, error: unknown): DeliveryOutcome {
  const message = error instanceof KnmeshError ? error.message : 'the answer could not be read';
  const code = CloudEventsErrors.invalidBatchResults.is(error) ? error.code : BridgeErrors.invalidReply.code;
  return { kind: 'retry', failure: { code, status, reason: clip(message) } };
}

function codeFor(outcome: 'retry' | 'dead-letter'): string {
  return outcome === 'retry' ? BridgeErrors.deliveryFailed.code : BridgeErrors.deliveryRefused.code;
}

function retryAfterMs(answer: SinkResponse): number | undefined {
  const value = header(answer, 'retry-after');
  if (value === undefined || !/^\d{1,6}$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

function header(answer: SinkResponse, name: string): string | undefined {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function clip(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}
