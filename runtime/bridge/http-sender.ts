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

/** The answer was still arriving when the request's time was up. */
class AnswerDeadline extends Error {}

/**
 * POSTs deliveries with undici (keep-alive connection pool, one request per connection at a time):
 * never rejects, and tells a timeout, an unreachable function and an oversized answer apart. The
 * timeout covers waiting for the answer and reading it: undici's headers and body timeouts (cheaper
 * than a timer per request), and a body still arriving past the request's time is cut at its next
 * chunk (undici's body timeout only limits the pause between chunks); connecting has its own limit
 * of the same length.
 */
export class HttpSender implements DeliverySender {
  readonly #pool: Pool;
  readonly #path: string;

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
    const started = performance.now();
    return new Promise((resolve) => {
      let status = 0;
      let headers: SinkResponse['headers'] = {};
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (error: unknown): void => resolve(this.#failure(error, timeoutMs));
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
            onRequestStart: () => undefined,
            onResponseStart: (_controller, statusCode, responseHeaders) => {
              status = statusCode;
              headers = responseHeaders;
            },
            onResponseData: (controller, chunk) => {
              if (performance.now() - started > timeoutMs) {
                controller.abort(new AnswerDeadline());
                return;
              }
              chunks.push(chunk);
              size += chunk.length;
            },
            onResponseEnd: () => {
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
    await this.#pool.close();
  }
}
