import { Pool, errors as undiciErrors } from 'undici';
import type { HttpMessage } from '../cloudevents/http-message.ts';

/** What the function answered. */
export interface SinkResponse {
  readonly status: number;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Why a request got no answer. */
export interface SinkFailure {
  readonly kind: 'timeout' | 'unreachable' | 'too-large';
  /** The request certainly never reached the function (connection refused, DNS): safe even at-most-once. */
  readonly beforeInvocation: boolean;
  readonly reason: string;
}

/** Sends deliveries to the function. The bridge's only dependency on HTTP, so tests can fake it. */
export interface DeliverySender {
  /** POSTs `message`; gives up after `timeoutMs` without a complete answer. */
  send(message: HttpMessage, timeoutMs: number): Promise<SinkResponse | SinkFailure>;
  close(): Promise<void>;
}

export interface HttpSenderOptions {
  /** The function's URL (`--sink`); requests go to it as it is, path included. */
  readonly sink: string;
  /** Connections opened at most; at least the number of concurrent requests, so none waits in a queue. */
  readonly connections: number;
  /** Connecting may take this long. */
  readonly connectTimeoutMs: number;
  readonly maxResponseBytes: number;
}

const BEFORE_INVOCATION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** The answer was not complete when the request's time was up. */
class AnswerDeadline extends Error {}

/** When a request in flight must have been answered, and how to end it. */
interface Deadline {
  at: number;
  abort: (() => void) | undefined;
}

/** How often requests in flight are checked against their deadline. */
const SWEEP_MS = 100;

/**
 * POSTs deliveries with undici (keep-alive connection pool, one request per connection at a time):
 * never rejects, and tells a timeout, an unreachable function and an oversized answer apart. The
 * timeout runs from the moment a request goes out on a connection until its answer is read in full:
 * one sweep every 100 ms while requests are in flight ends those past their deadline (cheaper than a
 * timer per request; undici's body timeout alone only limits the pause between chunks). Connecting
 * has its own limit of the same length.
 */
export class HttpSender implements DeliverySender {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #deadlines = new Set<Deadline>();
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: HttpSenderOptions) {
    const url = new URL(options.sink);
    this.#path = `${url.pathname}${url.search}`;
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      connectTimeout: options.connectTimeoutMs,
      maxResponseSize: options.maxResponseBytes,
      keepAliveTimeout: 30_000,
    });
  }

  send(message: HttpMessage, timeoutMs: number): Promise<SinkResponse | SinkFailure> {
    // dispatch() with a handler, not request(): no response stream, no extra promises per request
    // (undici's request API was a fifth of the bridge's CPU time in per-message delivery).
    return new Promise((resolve) => {
      let status = 0;
      let headers: SinkResponse['headers'] = {};
      const chunks: Buffer[] = [];
      let size = 0;
      const deadline: Deadline = { at: Number.POSITIVE_INFINITY, abort: undefined };
      const fail = (error: unknown): void => {
        this.#deadlines.delete(deadline);
        resolve(this.#failure(error, timeoutMs));
      };
      try {
        this.#pool.dispatch(
          {
            path: this.#path,
            method: 'POST',
            headers: message.headers as Record<string, string>,
            body: message.body,
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
          },
          {
            onRequestStart: (controller) => {
              // On a connection now: the time spent queueing and connecting does not count.
              deadline.at = performance.now() + timeoutMs;
              deadline.abort = () => controller.abort(new AnswerDeadline());
              this.#deadlines.add(deadline);
              this.#sweep ??= setInterval(() => this.#endOverdue(), SWEEP_MS).unref();
            },
            onResponseStart: (_controller, statusCode, responseHeaders) => {
              status = statusCode;
              headers = responseHeaders;
            },
            onResponseData: (_controller, chunk) => {
              chunks.push(chunk);
              size += chunk.length;
            },
            onResponseEnd: () => {
              this.#deadlines.delete(deadline);
              const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
              resolve({ status, headers, body });
            },
            onResponseError: (_controller, error) => fail(error),
          },
        );
      } catch (error) {
        fail(error);
      }
    });
  }

  /** Ends the requests past their deadline; stops sweeping when none is left. */
  #endOverdue(): void {
    const now = performance.now();
    for (const deadline of this.#deadlines) {
      if (now <= deadline.at) continue;
      this.#deadlines.delete(deadline);
      deadline.abort?.();
    }
    if (this.#deadlines.size === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  #failure(error: unknown, timeoutMs: number): SinkFailure {
    const code = (error as { code?: unknown }).code;
    if (
      error instanceof AnswerDeadline ||
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      code === 'UND_ERR_HEADERS_TIMEOUT' ||
      code === 'UND_ERR_BODY_TIMEOUT'
    ) {
      return { kind: 'timeout', beforeInvocation: false, reason: `no answer within ${timeoutMs} ms` };
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      return {
        kind: 'too-large',
        beforeInvocation: false,
        reason: 'the answer is larger than --max-response-bytes',
      };
    }
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const systemCode = typeof code === 'string' && !code.startsWith('UND_ERR') ? code : cause?.code;
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return { kind: 'unreachable', beforeInvocation: true, reason: 'connecting to the function timed out' };
    }
    const text =
      typeof systemCode === 'string' ? systemCode : error instanceof Error ? error.message : String(error);
    return {
      kind: 'unreachable',
      beforeInvocation: typeof systemCode === 'string' && BEFORE_INVOCATION.has(systemCode),
      reason: `the function could not be reached (${text.slice(0, 200)})`,
    };
  }

  async close(): Promise<void> {
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#sweep = undefined;
    await this.#pool.close();
  }
}
