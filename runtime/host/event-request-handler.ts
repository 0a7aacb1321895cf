import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CloudEvent } from 'cloudevents';
import {
  encodeBatchResult,
  joinBatchResults,
  MEDIA_TYPE_BATCH_RESULTS,
  ORDERED_BATCH_HEADER,
} from '../cloudevents/batch-results.ts';
import { decodeData } from '../cloudevents/decode-data.ts';
import type { ContentMode } from '../cloudevents/event-binding.ts';
import { httpBinding } from '../cloudevents/http-binding.ts';
import { headerValue, type HttpMessage } from '../cloudevents/http-message.ts';
import { parseMediaType } from '../cloudevents/media-type.ts';
import { readHttpBody } from '../cloudevents/read-http-body.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import type { InFlightTracker } from '../net/in-flight-tracker.ts';
import type { Logger } from '../observability/create-logger.ts';
import type { HealthState } from '../observability/health-state.ts';
import type { InvocationRequest } from './function-context.ts';
import type { FunctionInvoker, InvocationOutcome } from './function-invoker.ts';
import { HostErrors } from './host-errors.ts';
import type { HostMetrics } from './host-metrics.ts';
import { messageMetadataOf, NO_MESSAGE } from './message-metadata.ts';
import { writeError, writeResponse } from './write-response.ts';

type RequestMode = ContentMode | 'plain' | 'unknown';

export interface EventRequestHandlerOptions {
  readonly health: HealthState;
  readonly inFlight: InFlightTracker;
  readonly metrics: HostMetrics;
  readonly logger: Logger;
  readonly bodyLimitBytes: number;
}

/**
 * Serves event requests (POST to any path): reads the body, tells the content mode, validates,
 * invokes the function once per event and writes the reply (docs/reply-contract.md). Every failure
 * becomes a catalogue error: bad input is a 4xx, never a 500.
 */
export class EventRequestHandler {
  readonly #options: EventRequestHandlerOptions;
  #invoker: FunctionInvoker | undefined;
  #aborted = false;

  constructor(options: EventRequestHandlerOptions) {
    this.#options = options;
  }

  /** Starts serving through this invoker (the function is loaded and initialised). */
  attach(invoker: FunctionInvoker): void {
    this.#invoker = invoker;
  }

  /** The grace period is over: unfinished work answers 503 and the rest of a batch is not started. */
  abort(): void {
    this.#aborted = true;
    this.#invoker?.abortAll();
  }

  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { health, inFlight, metrics } = this.#options;
    const started = performance.now();
    let mode: RequestMode = 'unknown';
    let status: number;
    const invoker = this.#invoker;
    if (isReservedPath(req.url)) {
      req.resume();
      metrics.requests.inc({
        mode,
        status: this.#fail(res, HostErrors.methodNotAllowed.create('probe and metrics routes take GET')),
      });
      return;
    }
    if (!health.ready || invoker === undefined) {
      req.resume(); // discard the body; the connection stays usable
      const error = health.phase === 'starting' ? HostErrors.notReady : HostErrors.shuttingDown;
      status = this.#fail(res, error.create(error.description));
      metrics.requests.inc({ mode, status });
      return;
    }
    inFlight.enter();
    try {
      const message: HttpMessage = {
        headers: req.headers,
        body: await readHttpBody(req, this.#options.bodyLimitBytes),
      };
      mode = httpBinding.mode(message) ?? 'plain';
      if (mode === 'batch') {
        status = await this.#batch(req, res, message, invoker);
      } else {
        const request =
          mode === 'plain' ? this.#plainRequest(req, message) : this.#eventRequest(req, message);
        // Only a promise is awaited: a synchronous function's outcome skips the microtask queue.
        const outcome = invoker.invoke(request);
        status = this.#single(res, outcome instanceof Promise ? await outcome : outcome);
      }
    } catch (error) {
      status = this.#fail(res, this.#asCatalogued(error));
    } finally {
      inFlight.leave();
    }
    metrics.requests.inc({ mode, status });
    metrics.requestDuration.observe((performance.now() - started) / 1000, mode);
  };

  /** Each event of the batch on its own, in order; one result per event (docs/reply-contract.md). */
  async #batch(
    req: IncomingMessage,
    res: ServerResponse,
    message: HttpMessage,
    invoker: FunctionInvoker,
  ): Promise<number> {
    const { entries } = httpBinding.toEvents(message);
    const results: string[] = [];
    const ordered = req.headers[ORDERED_BATCH_HEADER] === 'true';
    let failedAt: string | undefined;
    // Every failure of an event goes through here: in an ordered batch a retryable one stops the rest.
    const fail = (id: string, error: KnmeshError): void => {
      results.push(this.#failedResult(id, error));
      if (ordered && error.retryable) failedAt ??= id;
    };
    for (const entry of entries) {
      if (entry instanceof KnmeshError) {
        results.push(this.#failedResult(undefined, entry));
        continue;
      }
      if (failedAt !== undefined) {
        results.push(
          this.#failedResult(
            entry.id,
            HostErrors.skippedAfterFailure.create(`not run: event ${failedAt} before it failed`),
          ),
        );
        continue;
      }
      if (this.#aborted) {
        results.push(
          this.#failedResult(entry.id, HostErrors.shuttingDown.create('the host stopped before this event')),
        );
        continue;
      }
      let request: InvocationRequest;
      try {
        request = this.#toRequest(req, entry);
      } catch (error) {
        fail(entry.id, this.#asCatalogued(error));
        continue;
      }
      const pending = invoker.invoke(request);
      const outcome = pending instanceof Promise ? await pending : pending;
      if (!outcome.ok) {
        fail(entry.id, outcome.error);
        continue;
      }
      try {
        results.push(
          encodeBatchResult(
            outcome.events.length === 0
              ? { id: entry.id, status: 204 }
              : { id: entry.id, status: 200, events: outcome.events },
          ),
        );
      } catch (error) {
        fail(entry.id, this.#invalidResult(error));
      }
    }
    writeResponse(
      res,
      200,
      { headers: { 'content-type': MEDIA_TYPE_BATCH_RESULTS }, body: joinBatchResults(results) },
      { close: this.#closing() },
    );
    return 200;
  }

  #failedResult(id: string | undefined, error: KnmeshError): string {
    this.#options.metrics.errors.inc({ code: error.code });
    return encodeBatchResult({ id, status: error.status, error: error.toJSON() });
  }

  /** The single event of a binary- or structured-mode request. */
  #eventRequest(req: IncomingMessage, message: HttpMessage): InvocationRequest {
    const event = httpBinding.toEvents(message).entries[0];
    if (event === undefined || event instanceof KnmeshError)
      throw event ?? HostErrors.internal.create('no event');
    return this.#toRequest(req, event);
  }

  #toRequest(req: IncomingMessage, event: CloudEvent<unknown>): InvocationRequest {
    return {
      event,
      data: event.data,
      message: messageMetadataOf(event),
      id: event.id,
      method: req.method ?? 'POST',
      url: req.url ?? '/',
      headers: req.headers,
    };
  }

  #plainRequest(req: IncomingMessage, message: HttpMessage): InvocationRequest {
    // mode() already refused a Content-Type that does not parse.
    const mediaType = parseMediaType(headerValue(message, 'content-type')) ?? undefined;
    return {
      event: undefined,
      data: decodeData(message.body as Buffer, mediaType),
      message: NO_MESSAGE,
      id: randomUUID(),
      method: req.method ?? 'POST',
      url: req.url ?? '/',
      headers: req.headers,
    };
  }

  /** One input, one answer: 204, one binary-mode event, or a batch of events. */
  #single(res: ServerResponse, outcome: InvocationOutcome): number {
    if (!outcome.ok) return this.#fail(res, outcome.error, outcome.retryAfterMs);
    const close = this.#closing();
    const { events } = outcome;
    if (events.length === 0) {
      writeResponse(res, 204, undefined, { close });
      return 204;
    }
    let reply: HttpMessage;
    try {
      reply = events.length === 1 ? httpBinding.binary(events[0]!) : httpBinding.batch(events);
    } catch (error) {
      return this.#fail(res, this.#invalidResult(error));
    }
    writeResponse(res, 200, reply, { close });
    return 200;
  }

  #fail(res: ServerResponse, error: KnmeshError, retryAfterMs?: number): number {
    this.#options.metrics.errors.inc({ code: error.code });
    if (!res.headersSent && !res.destroyed) {
      writeError(res, error, {
        close: this.#closing(),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    }
    return error.status;
  }

  /** While draining, answers ask clients to close their connections so that the server can stop. */
  #closing(): boolean {
    const phase = this.#options.health.phase;
    return phase === 'draining' || phase === 'stopped';
  }

  #invalidResult(error: unknown): KnmeshError {
    this.#options.logger.error({ err: error }, 'a reply could not be serialised');
    return HostErrors.invalidResult.create('the function returned a value that cannot be serialised');
  }

  /** Catalogued errors pass; anything else is a host bug, logged and answered without its message. */
  #asCatalogued(error: unknown): KnmeshError {
    if (error instanceof KnmeshError) return error;
    if (error instanceof Error && /closed the connection|aborted/.test(error.message)) {
      return HostErrors.internal.create('the client went away');
    }
    this.#options.logger.error({ err: error }, 'unexpected failure while serving a request');
    return HostErrors.internal.create('unexpected failure of the function host');
  }
}

/** The probe and metrics routes never invoke the function, whatever the method. */
function isReservedPath(url: string | undefined): boolean {
  return (
    url !== undefined && (url.startsWith('/health/') || url === '/metrics' || url.startsWith('/metrics?'))
  );
}
