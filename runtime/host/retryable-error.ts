import { DISPOSITION } from './requested-disposition.ts';

/**
 * Throw to have the message retried (HTTP 503 `KNMESH_FUNCTION_RETRY`): a dependency is down, a rate
 * limit was hit. `retryAfterMs` becomes a `Retry-After` hint for the bridge. The message is sent to
 * the caller, so keep secrets out of it.
 */
export class RetryableError extends Error {
  readonly [DISPOSITION] = 'retry' as const;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { cause?: unknown; retryAfterMs?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RetryableError';
    this.retryAfterMs = options?.retryAfterMs;
  }
}
