import type * as Http from 'node:http';
import type { Socket } from 'node:net';
import { nodeHttp, nodeHttps } from '../net/node-http.ts';
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

/** Why the sender itself ended a request. */
type Cut = 'timeout' | 'connect-timeout' | 'too-large';

/** When a request in flight must have been answered, and how to end it. */
interface Deadline {
  at: number;
  readonly cut: (why: Cut) => void;
}

/** How often requests in flight are checked against their deadline. */
const SWEEP_MS = 100;

/**
 * POSTs deliveries with node:http (keep-alive connection pool, one request per connection at a
 * time): never rejects, and tells a timeout, an unreachable function and an oversized answer apart.
 * The timeout runs from the moment a request is on a connected socket until its answer is read in
 * full: one sweep every 100 ms while requests are in flight ends those past their deadline (cheaper
 * than a timer per request). Connecting has its own limit.
 *
 * node:http rather than undici (ADR 0029): 17–30 MB less memory per bridge process at full load,
 * for somewhat more CPU per request (about 6 % of per-message throughput, nothing measurable batched).
 */
export class HttpSender implements DeliverySender {
  readonly #agent: Http.Agent;
  readonly #request: typeof Http.request;
  /** https: a new connection is ready after its TLS handshake. */
  readonly #tls: boolean;
  readonly #target: { readonly hostname: string; readonly port: string; readonly path: string };
  /** The Host header: the URL's host, port included when not the scheme's default. */
  readonly #host: string;
  readonly #connectTimeoutMs: number;
  readonly #maxResponseBytes: number;
  readonly #deadlines = new Set<Deadline>();
  #sweep: NodeJS.Timeout | undefined;
  #inFlight = 0;
  #drained: Promise<void> | undefined;
  #onDrained: (() => void) | undefined;

  constructor(options: HttpSenderOptions) {
    const url = new URL(options.sink);
    const https = url.protocol === 'https:';
    this.#request = https ? nodeHttps.request : nodeHttp.request;
    this.#tls = https;
    this.#agent = new (https ? nodeHttps.Agent : nodeHttp.Agent)({
      keepAlive: true,
      maxSockets: options.connections,
      // Most recently used first: idle connections beyond the load age out at the server.
      scheduling: 'lifo',
    });
    // URL keeps IPv6 literals bracketed; node:http wants them bare.
    this.#target = {
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      path: `${url.pathname}${url.search}`,
    };
    this.#host = url.host;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#maxResponseBytes = options.maxResponseBytes;
  }

  send(message: HttpMessage, timeoutMs: number): Promise<SinkResponse | SinkFailure> {
    this.#inFlight++;
    return new Promise<SinkResponse | SinkFailure>((resolve) => {
      let settled = false;
      let connectTimer: NodeJS.Timeout | undefined;
      let request: Http.ClientRequest | undefined;
      // The outcome is settled first: whatever the destroyed socket reports afterwards is ignored.
      const cut = (why: Cut): void => {
        fail(why);
        request?.destroy();
      };
      const deadline: Deadline = { at: Number.POSITIVE_INFINITY, cut };
      const settle = (outcome: SinkResponse | SinkFailure): void => {
        if (settled) return;
        settled = true;
        if (connectTimer !== undefined) clearTimeout(connectTimer);
        this.#deadlines.delete(deadline);
        if (--this.#inFlight === 0) this.#onDrained?.();
        resolve(outcome);
      };
      // Until the connection is ready (TCP, and TLS for https) nothing of the request has left.
      let connected = false;
      const fail = (error: unknown): void => settle(this.#failure(error, timeoutMs, connected));
      try {
        request = this.#request({
          hostname: this.#target.hostname,
          port: this.#target.port,
          path: this.#target.path,
          method: 'POST',
          agent: this.#agent,
          headers: this.#rawHeaders(message),
        });
      } catch (error) {
        // Refused before anything was sent (a header node:http will not write, say).
        const text = error instanceof Error ? error.message : String(error);
        settle({
          kind: 'unreachable',
          beforeInvocation: true,
          reason: `the request could not be made (${text.slice(0, 200)})`,
        });
        return;
      }
      const startDeadline = (): void => {
        connected = true;
        // On a connection now: the time spent queueing and connecting does not count.
        deadline.at = performance.now() + timeoutMs;
        if (!settled) this.#deadlines.add(deadline);
        this.#sweep ??= setInterval(() => this.#endOverdue(), SWEEP_MS).unref();
      };
      request.on('socket', (socket: Socket) => {
        // A kept-alive socket is ready; a new one is still connecting (the event comes a tick later).
        if (!socket.connecting) return startDeadline();
        connectTimer = setTimeout(() => cut('connect-timeout'), this.#connectTimeoutMs);
        socket.once(this.#tls ? 'secureConnect' : 'connect', () => {
          clearTimeout(connectTimer);
          connectTimer = undefined;
          startDeadline();
        });
      });
      request.on('response', (response: Http.IncomingMessage) => {
        const declared = Number(response.headers['content-length']);
        if (declared > this.#maxResponseBytes) return cut('too-large');
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxResponseBytes) return cut('too-large');
          chunks.push(chunk);
        });
        response.on('end', () => {
          if (!response.complete) return; // cut short: 'error' or 'close' tells
          settle({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size),
          });
        });
        response.on('error', fail);
        response.on('close', () => {
          if (!response.complete) fail(new Error('the connection closed before the answer was complete'));
        });
      });
      request.on('error', fail);
      request.end(message.body);
    });
  }

  /**
   * The request's headers as name/value pairs: node:http writes them as they are (still checking
   * each) instead of storing them one by one first; so Host is given here too.
   */
  #rawHeaders(message: HttpMessage): string[] {
    const raw = ['host', this.#host, 'content-length', String(Buffer.byteLength(message.body))];
    const headers = message.headers;
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (typeof value === 'string') raw.push(name, value);
      else for (const one of value) raw.push(name, one);
    }
    return raw;
  }

  /** Ends the requests past their deadline; stops sweeping when none is left. */
  #endOverdue(): void {
    const now = performance.now();
    for (const deadline of this.#deadlines) {
      if (now <= deadline.at) continue;
      this.#deadlines.delete(deadline);
      deadline.cut('timeout');
    }
    if (this.#deadlines.size === 0 && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }

  /** What a request that got no answer comes to: `error` is the socket's, or why the sender cut it. */
  #failure(error: unknown, timeoutMs: number, connected: boolean): SinkFailure {
    if (typeof error === 'string') {
      switch (error as Cut) {
        case 'timeout':
          return { kind: 'timeout', beforeInvocation: false, reason: `no answer within ${timeoutMs} ms` };
        case 'too-large':
          return {
            kind: 'too-large',
            beforeInvocation: false,
            reason: 'the answer is larger than --max-response-bytes',
          };
        case 'connect-timeout':
          return {
            kind: 'unreachable',
            beforeInvocation: true,
            reason: 'connecting to the function timed out',
          };
      }
    }
    const code = (error as { code?: unknown }).code;
    const text = typeof code === 'string' ? code : error instanceof Error ? error.message : String(error);
    return {
      kind: 'unreachable',
      beforeInvocation: !connected || (typeof code === 'string' && BEFORE_INVOCATION.has(code)),
      reason: `the function could not be reached (${text.slice(0, 200)})`,
    };
  }

  /** Waits for the requests in flight (each ends by its deadline), then closes the connections. */
  async close(): Promise<void> {
    if (this.#inFlight > 0) {
      this.#drained ??= new Promise<void>((resolve) => (this.#onDrained = resolve));
      await this.#drained;
    }
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#sweep = undefined;
    this.#agent.destroy();
  }
}
