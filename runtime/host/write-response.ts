import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { HttpMessage } from '../cloudevents/http-message.ts';
import type { KnmeshError } from '../errors/knmesh-error.ts';

const JSON_UTF8 = 'application/json; charset=utf-8';

export interface ResponseOptions {
  /** Ask the client to close the connection (the host is draining). */
  readonly close?: boolean;
}

/** Writes a whole response in one go, with Content-Length; bypasses express's send() (no ETag work). */
export function writeResponse(
  res: ServerResponse,
  status: number,
  message: HttpMessage | undefined,
  options?: ResponseOptions,
): void {
  const body = message?.body ?? '';
  const headers: OutgoingHttpHeaders = Object.assign(
    { 'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.length },
    message?.headers as OutgoingHttpHeaders | undefined,
  );
  if (options?.close === true) headers['connection'] = 'close';
  res.writeHead(status, headers);
  res.end(body);
}

/** The JSON error body `{ code, message, retryable, details? }`, with `Retry-After` when given. */
export function writeError(
  res: ServerResponse,
  error: KnmeshError,
  options?: ResponseOptions & { retryAfterMs?: number },
): void {
  const headers: Record<string, string> = { 'content-type': JSON_UTF8 };
  if (options?.retryAfterMs !== undefined)
    headers['retry-after'] = String(Math.ceil(options.retryAfterMs / 1000));
  // A refused body is not read: closing spares reading (and discarding) the rest of a large upload.
  const close = options?.close === true || error.status === 413;
  writeResponse(res, error.status, { headers, body: JSON.stringify(error.toJSON()) }, { close });
}

export function writeJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  options?: ResponseOptions,
): void {
  writeResponse(
    res,
    status,
    { headers: { 'content-type': JSON_UTF8 }, body: JSON.stringify(value) },
    options,
  );
}
