import { defineError, type KnmeshError } from '../errors/knmesh-error.ts';
import { SERVER_ERRORS, serverErrorName, type ServerErrorName } from './protocol/server-error.ts';

/**
 * Every failure of the Pulsar client and admin client. One entry per `ServerError` of the protocol
 * (`KNMESH_PULSAR_SERVER_<NAME>`) plus the client's own failures. `disposition` says whether the
 * caller may retry: the client itself already retries reconnectable failures with backoff.
 */
export const PulsarErrors = {
  invalidTopicName: defineError({
    code: 'KNMESH_PULSAR_INVALID_TOPIC_NAME',
    status: 400,
    disposition: 'fail',
    description: 'A topic name is not a valid Pulsar topic name.',
  }),
  invalidConfiguration: defineError({
    code: 'KNMESH_PULSAR_INVALID_CONFIGURATION',
    status: 500,
    disposition: 'fail',
    description: 'Client, producer or consumer options are inconsistent or out of range.',
  }),
  authenticationFailed: defineError({
    code: 'KNMESH_PULSAR_AUTHENTICATION_FAILED',
    status: 401,
    disposition: 'fail',
    description: 'The broker or admin service rejected the credentials, or they could not be read.',
  }),
  messageTooLarge: defineError({
    code: 'KNMESH_PULSAR_MESSAGE_TOO_LARGE',
    status: 413,
    disposition: 'dead-letter',
    description: 'A message is larger than the maximum message size the broker announced.',
  }),
  timeout: defineError({
    code: 'KNMESH_PULSAR_TIMEOUT',
    status: 504,
    disposition: 'retry',
    description: 'A broker operation (connect, lookup, create, send) did not complete in time.',
  }),
  connectionFailed: defineError({
    code: 'KNMESH_PULSAR_CONNECTION_FAILED',
    status: 503,
    disposition: 'retry',
    description: 'The connection to the broker could not be opened or was lost.',
  }),
  tlsFailed: defineError({
    code: 'KNMESH_PULSAR_TLS_FAILED',
    status: 502,
    disposition: 'fail',
    description: 'The broker certificate is not trusted or does not name the host; retrying will not help.',
  }),
  protocolError: defineError({
    code: 'KNMESH_PULSAR_PROTOCOL_ERROR',
    status: 502,
    disposition: 'retry',
    description: 'The broker sent a frame the client could not understand; the connection is reset.',
  }),
  lookupFailed: defineError({
    code: 'KNMESH_PULSAR_LOOKUP_FAILED',
    status: 503,
    disposition: 'retry',
    description: 'The broker serving a topic could not be found.',
  }),
  clientClosed: defineError({
    code: 'KNMESH_PULSAR_CLIENT_CLOSED',
    status: 503,
    disposition: 'fail',
    description: 'The client was closed; no further operation is possible.',
  }),
  producerClosed: defineError({
    code: 'KNMESH_PULSAR_PRODUCER_CLOSED',
    status: 503,
    disposition: 'fail',
    description: 'The producer was closed (by the application or for good by the broker).',
  }),
  consumerClosed: defineError({
    code: 'KNMESH_PULSAR_CONSUMER_CLOSED',
    status: 503,
    disposition: 'fail',
    description: 'The consumer was closed; receive() ends.',
  }),
  unsupportedMessage: defineError({
    code: 'KNMESH_PULSAR_UNSUPPORTED_MESSAGE',
    status: 422,
    disposition: 'dead-letter',
    description: 'A received message is encrypted or chunked, which this client does not decode.',
  }),
  adminRequestFailed: defineError({
    code: 'KNMESH_PULSAR_ADMIN_REQUEST_FAILED',
    status: 502,
    disposition: 'retry',
    description: 'The admin REST API answered with an error status.',
  }),
  adminNotFound: defineError({
    code: 'KNMESH_PULSAR_ADMIN_NOT_FOUND',
    status: 404,
    disposition: 'fail',
    description: 'The admin REST API does not know the tenant, namespace, topic or subscription.',
  }),
  ...serverErrorEntries(),
} as const;

type ServerErrorEntries = Record<`server${ServerErrorName}`, ReturnType<typeof defineError>>;

function serverErrorEntries(): ServerErrorEntries {
  const retry = new Set<ServerErrorName>([
    'UnknownError',
    'MetadataError',
    'PersistenceError',
    'ServiceNotReady',
    'ProducerBlockedQuotaExceededError',
    'ProducerBlockedQuotaExceededException',
    'ChecksumError',
    'TooManyRequests',
    'ProducerBusy',
    'ConsumerBusy',
    'ConsumerAssignError',
    'TransactionCoordinatorNotFound',
    'TransactionConflict',
  ]);
  const status: Partial<Record<ServerErrorName, number>> = {
    AuthenticationError: 401,
    AuthorizationError: 403,
    TopicNotFound: 404,
    SubscriptionNotFound: 404,
    ConsumerNotFound: 404,
    InvalidTopicName: 400,
    TooManyRequests: 429,
    ProducerBusy: 409,
    ConsumerBusy: 409,
    ProducerFenced: 409,
    IncompatibleSchema: 409,
    TopicTerminatedError: 410,
    NotAllowedError: 403,
    UnsupportedVersionError: 501,
  };
  const entries = {} as ServerErrorEntries;
  for (const name of SERVER_ERRORS) {
    entries[`server${name}`] = defineError({
      code: `KNMESH_PULSAR_SERVER_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`,
      status: status[name] ?? 503,
      disposition: retry.has(name) ? 'retry' : 'fail',
      description: `The broker answered ServerError.${name}.`,
    });
  }
  return entries;
}

/** Server errors after which the client retries by itself (with a fresh lookup and backoff). */
export function isRetriableServerError(code: number): boolean {
  return PulsarErrors[`server${serverErrorName(code)}`].disposition === 'retry';
}

/** The catalogue error for a `ServerError` code; the broker's message is kept (it holds no secrets). */
export function serverError(code: number, message: string, context: string): KnmeshError {
  const name = serverErrorName(code);
  return PulsarErrors[`server${name}`].create(`${context}: ${name}: ${message}`, {
    details: { serverError: name },
  });
}
