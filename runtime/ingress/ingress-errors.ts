import { defineError } from '../errors/knmesh-error.ts';

/**
 * Failures of `knmesh ingress` (besides the binding's `KNMESH_CE_*`: 400 invalid event or body,
 * 413 too large, 415 content type or encoding). A sender retries the 503s; the 4xx are its mistakes.
 */
export const IngressErrors = {
  unauthorized: defineError({
    code: 'KNMESH_INGRESS_UNAUTHORIZED',
    status: 401,
    disposition: 'dead-letter',
    description:
      'The ingress requires `Authorization: Bearer <token>` (--bearer-token-file) and got none or another.',
  }),
  methodNotAllowed: defineError({
    code: 'KNMESH_INGRESS_METHOD_NOT_ALLOWED',
    status: 405,
    disposition: 'dead-letter',
    description: 'Events are POSTed; the other routes are GET /healthz, /readyz and /metrics.',
  }),
  unavailable: defineError({
    code: 'KNMESH_INGRESS_UNAVAILABLE',
    status: 503,
    disposition: 'retry',
    description:
      'The broker is unreachable, the ingress is starting or stopping, or the broker did not store the events ' +
      'within --send-timeout-ms; nothing of the request is known to be published. Retry after Retry-After.',
  }),
  eventTooLarge: defineError({
    code: 'KNMESH_INGRESS_EVENT_TOO_LARGE',
    status: 413,
    disposition: 'dead-letter',
    description: "An event is larger than the broker's maximum message size.",
  }),
} as const;
