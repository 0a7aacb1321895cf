import { DISPOSITION } from './requested-disposition.ts';

/**
 * Throw to have the message dead-lettered at once, without retries (HTTP 422
 * `KNMESH_FUNCTION_REJECTED`): the input can never be processed. This is how a function asks for
 * dead-lettering. The message is sent to the caller, so keep secrets out of it.
 */
export class NonRetryableError extends Error {
  readonly [DISPOSITION] = 'dead-letter' as const;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NonRetryableError';
  }
}
