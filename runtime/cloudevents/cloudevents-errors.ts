import { defineError } from '../errors/knmesh-error.ts';

/**
 * Failures of the CloudEvents HTTP binding, shared by the function host, the bridge and the ingress.
 * Everything a sender got wrong is a 4xx that is never retried: the same bytes would fail again.
 */
export const CloudEventsErrors = {
  invalidEvent: defineError({
    code: 'KNMESH_CE_INVALID_EVENT',
    status: 400,
    disposition: 'dead-letter',
    description:
      'The request is (or claims to be) a CloudEvent but breaks the CloudEvents 1.0 rules: a required ' +
      'attribute is missing, an attribute has the wrong type or name, or data and data_base64 are both set.',
  }),
  malformedBody: defineError({
    code: 'KNMESH_CE_MALFORMED_BODY',
    status: 400,
    disposition: 'dead-letter',
    description:
      'The body does not parse as its content type says: invalid JSON, a structured event that is not a ' +
      'JSON object, or a batch that is not a JSON array.',
  }),
  unsupportedMediaType: defineError({
    code: 'KNMESH_CE_UNSUPPORTED_MEDIA_TYPE',
    status: 415,
    disposition: 'dead-letter',
    description:
      'The Content-Type is not a media type, names an event format other than JSON ' +
      '(application/cloudevents+xml, ...), or a charset that cannot be decoded.',
  }),
  unsupportedEncoding: defineError({
    code: 'KNMESH_CE_UNSUPPORTED_ENCODING',
    status: 415,
    disposition: 'dead-letter',
    description: 'The request has a Content-Encoding (gzip, ...); bodies must be sent unencoded.',
  }),
  bodyTooLarge: defineError({
    code: 'KNMESH_CE_BODY_TOO_LARGE',
    status: 413,
    disposition: 'dead-letter',
    description: 'The body is larger than the configured limit (--body-limit-bytes, 5 MiB by default).',
  }),
  invalidBatchResults: defineError({
    code: 'KNMESH_CE_INVALID_BATCH_RESULTS',
    status: 502,
    disposition: 'retry',
    description:
      'A function host answered a batch with a body that does not follow the batch-result contract ' +
      '(docs/reply-contract.md); the whole batch is retried.',
  }),
} as const;
