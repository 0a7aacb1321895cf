import { defineError } from '../errors/knmesh-error.ts';

/**
 * Failures of `knmesh bridge`. Per-message entries are what a dead-lettered message carries in its
 * `knmesh-error-code` property (next to the function's own codes, e.g. `KNMESH_FUNCTION_REJECTED`);
 * `disposition` is what the bridge does with the input message. Start-up failures are `fail`.
 */
export const BridgeErrors = {
  // Per message: delivery to the function.
  sinkUnreachable: defineError({
    code: 'KNMESH_BRIDGE_SINK_UNREACHABLE',
    status: 502,
    disposition: 'retry',
    description:
      'The function could not be reached: connection refused or reset, DNS failure, or the connection ' +
      'closed before an answer.',
  }),
  deliveryTimeout: defineError({
    code: 'KNMESH_BRIDGE_DELIVERY_TIMEOUT',
    status: 504,
    disposition: 'retry',
    description: 'The function did not answer within --timeout-ms.',
  }),
  deliveryFailed: defineError({
    code: 'KNMESH_BRIDGE_DELIVERY_FAILED',
    status: 502,
    disposition: 'retry',
    description:
      'The function answered a retried status (5xx, 404, 408, 429) without a knmesh error body ' +
      '(a function image that is not knmesh serve).',
  }),
  deliveryRefused: defineError({
    code: 'KNMESH_BRIDGE_DELIVERY_REFUSED',
    status: 400,
    disposition: 'dead-letter',
    description:
      'The function answered a status that is not retried (3xx, 4xx other than 404, 408, 429) without a ' +
      'knmesh error body.',
  }),
  invalidReply: defineError({
    code: 'KNMESH_BRIDGE_INVALID_REPLY',
    status: 502,
    disposition: 'retry',
    description:
      'A 2xx answer that breaks the reply contract: an invalid reply event, a malformed knmeshproperties ' +
      'attribute, or a body larger than --max-response-bytes.',
  }),
  retriesExhausted: defineError({
    code: 'KNMESH_BRIDGE_RETRIES_EXHAUSTED',
    status: 502,
    disposition: 'dead-letter',
    description:
      'Every attempt allowed by --max-retries failed with a retried outcome (earlier deliveries by the ' +
      'broker and attempts recorded in the attempt journal count); the last failure is in ' +
      'knmesh-error-last-code.',
  }),
  // Per message: publishing replies.
  replyTopicRefused: defineError({
    code: 'KNMESH_BRIDGE_REPLY_TOPIC_REFUSED',
    status: 403,
    disposition: 'dead-letter',
    description:
      'A reply event named a topic (knmeshtopic) that is neither --output nor an --allowed-reply-topic; ' +
      'nothing of that input is published.',
  }),
  noOutputTopic: defineError({
    code: 'KNMESH_BRIDGE_NO_OUTPUT_TOPIC',
    status: 422,
    disposition: 'dead-letter',
    description: 'A reply event names no topic and the bridge has no --output (a Sink must not reply).',
  }),
  replyTooLarge: defineError({
    code: 'KNMESH_BRIDGE_REPLY_TOO_LARGE',
    status: 413,
    disposition: 'dead-letter',
    description: "A reply is larger than the broker's maximum message size.",
  }),
  publishFailed: defineError({
    code: 'KNMESH_BRIDGE_PUBLISH_FAILED',
    status: 503,
    disposition: 'retry',
    description:
      'Publishing a reply failed (the producer failed for good or was closed); the input is retried.',
  }),
  sequenceOverflow: defineError({
    code: 'KNMESH_BRIDGE_SEQUENCE_OVERFLOW',
    status: 422,
    disposition: 'dead-letter',
    description:
      'effectively_once: the input message id or the number of replies of one input entry does not fit the ' +
      'sequence id layout (ledger < 2^30, entry < 2^21, replies per entry < 4096).',
  }),
  internal: defineError({
    code: 'KNMESH_BRIDGE_INTERNAL',
    status: 500,
    disposition: 'retry',
    description: 'An unexpected failure of the bridge while handling a message (logged with its stack).',
  }),
  // Start-up.
  deduplicationUnavailable: defineError({
    code: 'KNMESH_BRIDGE_DEDUPLICATION_UNAVAILABLE',
    status: 500,
    disposition: 'fail',
    description:
      'effectively_once needs broker de-duplication on every topic the bridge publishes to; it is off and ' +
      'the bridge could not turn it on through the admin API (or has no --admin-url).',
  }),
  subscriptionFailed: defineError({
    code: 'KNMESH_BRIDGE_SUBSCRIPTION_FAILED',
    status: 500,
    disposition: 'fail',
    description: 'The subscription could not be created or joined (a failure retrying cannot fix).',
  }),
} as const;
