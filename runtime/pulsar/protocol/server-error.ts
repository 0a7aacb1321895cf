/** `ServerError` of the protocol, by number (index = value). */
export const SERVER_ERRORS = [
  'UnknownError',
  'MetadataError',
  'PersistenceError',
  'AuthenticationError',
  'AuthorizationError',
  'ConsumerBusy',
  'ServiceNotReady',
  'ProducerBlockedQuotaExceededError',
  'ProducerBlockedQuotaExceededException',
  'ChecksumError',
  'UnsupportedVersionError',
  'TopicNotFound',
  'SubscriptionNotFound',
  'ConsumerNotFound',
  'TooManyRequests',
  'TopicTerminatedError',
  'ProducerBusy',
  'InvalidTopicName',
  'IncompatibleSchema',
  'ConsumerAssignError',
  'TransactionCoordinatorNotFound',
  'InvalidTxnStatus',
  'NotAllowedError',
  'TransactionConflict',
  'TransactionNotFound',
  'ProducerFenced',
] as const;
export type ServerErrorName = (typeof SERVER_ERRORS)[number];

export function serverErrorName(code: number): ServerErrorName {
  return SERVER_ERRORS[code] ?? 'UnknownError';
}
