import { SKIPPED_RESULT_CODE } from '../cloudevents/batch-results.ts';
import { defineError } from '../errors/knmesh-error.ts';

/**
 * Failures of `knmesh serve`. Statuses are chosen against the bridge's classification
 * (`classifyDeliveryStatus`): 5xx are retried with backoff, any 4xx here is dead-lettered at once.
 * The bodies never carry stack traces or the message of an unexpected error; those go to the log.
 */
export const HostErrors = {
  // While serving a request.
  notReady: defineError({
    code: 'KNMESH_HOST_NOT_READY',
    status: 503,
    disposition: 'retry',
    description: 'The function is still loading or running init(); readiness is false.',
  }),
  skippedAfterFailure: defineError({
    code: SKIPPED_RESULT_CODE,
    status: 503,
    disposition: 'retry',
    description:
      'Not run: an earlier event of an ordered batch (header knmesh-batch-ordered) failed and is retried ' +
      'first; the bridge sends this one again after it, without counting an attempt.',
  }),
  shuttingDown: defineError({
    code: 'KNMESH_HOST_SHUTTING_DOWN',
    status: 503,
    disposition: 'retry',
    description:
      'The host received SIGTERM: a request that arrived afterwards, or one still unfinished when the ' +
      'grace period ended.',
  }),
  methodNotAllowed: defineError({
    code: 'KNMESH_HOST_METHOD_NOT_ALLOWED',
    status: 405,
    disposition: 'dead-letter',
    description:
      'Events are POSTed; the only other routes are GET /health/liveness, /health/readiness, /metrics.',
  }),
  badRequest: defineError({
    code: 'KNMESH_HOST_BAD_REQUEST',
    status: 400,
    disposition: 'dead-letter',
    description: 'The HTTP request itself is malformed, e.g. a path that is not valid percent-encoding.',
  }),
  internal: defineError({
    code: 'KNMESH_HOST_INTERNAL',
    status: 500,
    disposition: 'retry',
    description: 'An unexpected failure of the host itself (logged with its stack).',
  }),
  functionFailed: defineError({
    code: 'KNMESH_FUNCTION_FAILED',
    status: 500,
    disposition: 'retry',
    description:
      'The function threw (or rejected with) an error that is not a RetryableError or NonRetryableError. ' +
      'Retried, as Pulsar Functions negatively acknowledge the message.',
  }),
  functionRetry: defineError({
    code: 'KNMESH_FUNCTION_RETRY',
    status: 503,
    disposition: 'retry',
    description:
      'The function threw a RetryableError; its message is returned and its retryAfterMs becomes Retry-After.',
  }),
  functionRejected: defineError({
    code: 'KNMESH_FUNCTION_REJECTED',
    status: 422,
    disposition: 'dead-letter',
    description:
      'The function threw a NonRetryableError: the message goes to the dead-letter topic without retries. ' +
      'Its message is returned.',
  }),
  functionTimeout: defineError({
    code: 'KNMESH_FUNCTION_TIMEOUT',
    status: 504,
    disposition: 'retry',
    description:
      'The function did not settle within --timeout-ms; context.signal is aborted and its late result dropped.',
  }),
  invalidResult: defineError({
    code: 'KNMESH_FUNCTION_INVALID_RESULT',
    status: 500,
    disposition: 'retry',
    description:
      'The function returned something that cannot become a reply: a value JSON cannot represent, or a ' +
      'CloudEvent that breaks CloudEvents 1.0.',
  }),
  invalidPublish: defineError({
    code: 'KNMESH_FUNCTION_INVALID_PUBLISH',
    status: 500,
    disposition: 'retry',
    description:
      'context.publish() was called with an empty topic, no value, a non-string key or non-string properties ' +
      '(thrown into the function; if it escapes, this is the answer).',
  }),
  // At start-up: the process exits with status 1 and readiness never turns true.
  functionNotFound: defineError({
    code: 'KNMESH_HOST_FUNCTION_NOT_FOUND',
    status: 500,
    disposition: 'fail',
    description: 'The function file does not exist or is not a .ts, .mts, .cts, .js, .mjs or .cjs file.',
  }),
  downloadFailed: defineError({
    code: 'KNMESH_HOST_DOWNLOAD_FAILED',
    status: 500,
    disposition: 'fail',
    description: 'The function URL could not be downloaded (after 3 attempts).',
  }),
  loadFailed: defineError({
    code: 'KNMESH_HOST_LOAD_FAILED',
    status: 500,
    disposition: 'fail',
    description:
      'Importing the module failed: a syntax error, TypeScript that is not erasable, a missing import, or it threw.',
  }),
  noHandler: defineError({
    code: 'KNMESH_HOST_NO_HANDLER',
    status: 500,
    disposition: 'fail',
    description:
      'The module exports neither a default function (input, context) nor handle(context, event), or not the ' +
      'one --signature asks for.',
  }),
  ambiguousHandler: defineError({
    code: 'KNMESH_HOST_AMBIGUOUS_HANDLER',
    status: 500,
    disposition: 'fail',
    description: 'The module exports both signatures and --signature is auto: choose with --signature.',
  }),
  initFailed: defineError({
    code: 'KNMESH_HOST_INIT_FAILED',
    status: 500,
    disposition: 'fail',
    description: 'The function’s init() threw, or loading and init() outlasted --start-timeout-ms.',
  }),
} as const;
