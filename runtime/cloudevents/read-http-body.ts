import type { IncomingMessage } from 'node:http';
import { CloudEventsErrors } from './cloudevents-errors.ts';

/**
 * Reads a whole request body, refusing more than `limit` bytes with `KNMESH_CE_BODY_TOO_LARGE`: at
 * once when Content-Length says so, otherwise as soon as the count passes the limit. A body with a
 * Content-Encoding is refused (`KNMESH_CE_UNSUPPORTED_ENCODING`) rather than inflated: the limit
 * would otherwise bound only the compressed size.
 */
export function readHttpBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return Promise.reject(CloudEventsErrors.unsupportedEncoding.create('Content-Encoding is not supported'));
  }
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error('the client closed the connection before the body was complete'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

function tooLarge(limit: number): Error {
  return CloudEventsErrors.bodyTooLarge.create(`the body is larger than ${limit} bytes`, {
    details: { limit },
  });
}
