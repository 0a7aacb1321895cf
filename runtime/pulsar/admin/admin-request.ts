import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type { Socket } from 'node:net';
import { nodeHttp, nodeHttps } from '../../net/node-http.ts';

/** A complete answer of the admin API. */
export interface AdminAnswer {
  readonly status: number;
  readonly statusText: string;
  /** Lower-case names, as node:http gives them. */
  readonly headers: Http.IncomingHttpHeaders;
  readonly text: string;
}

/** The connections an admin client reuses, one pool per scheme. */
export interface AdminAgents {
  readonly http: Http.Agent;
  readonly https: Https.Agent;
}

/** No complete answer within the request's time (named as fetch's AbortSignal.timeout names it). */
export class AdminTimeout extends Error {
  override readonly name = 'TimeoutError';
}

export interface AdminRequestInit {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** From sending until the last byte of the answer. */
  readonly timeoutMs: number;
  readonly agents: AdminAgents;
}

/** Methods the admin API treats as idempotent: safe to send again. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * One HTTP exchange with the admin API over node:http(s): no redirects followed, the answer read
 * whole as UTF-8 text. Rejects with `AdminTimeout` past `timeoutMs`, else with the socket's error.
 * An idempotent request that finds its kept-alive connection closed by the broker meanwhile (reset
 * before any answer) is sent once more on a new one.
 */
export async function adminRequest(url: URL, init: AdminRequestInit): Promise<AdminAnswer> {
  // One limit for the call, the resend included.
  const deadline = performance.now() + init.timeoutMs;
  try {
    return await exchange(url, init, init.timeoutMs);
  } catch (error) {
    if (!(error instanceof StaleConnection)) throw error;
    if (!IDEMPOTENT.has(init.method)) throw error.cause;
    const left = Math.floor(deadline - performance.now());
    if (left <= 0) throw new AdminTimeout(`no answer within ${init.timeoutMs} ms`);
    return exchange(url, init, left);
  }
}

/** A reused connection was reset before a byte of the answer came. */
class StaleConnection extends Error {}

function exchange(url: URL, init: AdminRequestInit, timeoutMs: number): Promise<AdminAnswer> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
    let settled = false;
    // Bytes the reused socket had read when it was given to this request: more at the reset means
    // part of an answer came (the broker got the request), and it is not sent again.
    let readBefore = 0;
    let socket: Socket | undefined;
    const request = (https ? nodeHttps : nodeHttp).request(
      url,
      { method: init.method, headers, agent: https ? init.agents.https : init.agents.http },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            statusText: response.statusMessage ?? '',
            headers: response.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          });
        });
        response.on('error', fail);
      },
    );
    request.on('socket', (assigned: Socket) => {
      socket = assigned;
      readBefore = assigned.bytesRead;
    });
    const timer = setTimeout(() => {
      request.destroy(new AdminTimeout(`no answer within ${init.timeoutMs} ms`));
    }, timeoutMs);
    function fail(error: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const stale =
        request.reusedSocket &&
        (error as NodeJS.ErrnoException).code === 'ECONNRESET' &&
        socket?.bytesRead === readBefore;
      reject(stale ? new StaleConnection('reused connection reset', { cause: error }) : error);
    }
    request.on('error', fail);
    request.end(init.body);
  });
}
