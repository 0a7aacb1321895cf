import { parseMediaType } from '../cloudevents/media-type.ts';
import { option } from '../config/option.ts';
import { pulsarConnectionOptions } from '../pulsar/pulsar-connection-options.ts';

/**
 * `knmesh bridge` options. The translator writes the bridge Deployment's environment from this
 * same table (`optionsToEnv`), so a name changed here changes in both places.
 */
export const bridgeOptions = {
  ...pulsarConnectionOptions,
  name: option.string({
    flag: 'name',
    description: 'fully qualified function name tenant/namespace/name (logs, metrics, CloudEvents source)',
    placeholder: 'fqfn',
  }),
  input: option.list({ flag: 'input', description: 'input topic (repeatable)', placeholder: 'topic' }),
  inputPattern: option.string({
    flag: 'input-pattern',
    description: 'regular expression of input topics (instead of --input)',
    placeholder: 'regex',
  }),
  subscription: option.string({
    flag: 'subscription',
    description: 'subscription name shared by all bridge replicas (and the KEDA trigger)',
    required: true,
    placeholder: 'name',
  }),
  subscriptionType: option.enumOf(['shared', 'key_shared', 'failover', 'exclusive'], {
    flag: 'subscription-type',
    description: 'subscription type; decides ordering and concurrency',
    default: 'shared',
  }),
  subscriptionPosition: option.enumOf(['earliest', 'latest'], {
    flag: 'subscription-position',
    description: 'where a new subscription starts',
    default: 'earliest',
  }),
  receiverQueueSize: option.integer({
    flag: 'receiver-queue-size',
    description: 'messages prefetched per consumer',
    default: 1000,
    min: 1,
  }),
  inputContentType: option.string({
    flag: 'input-content-type',
    description:
      'datacontenttype of input messages without a content-type property, as a topic schema would say ' +
      '(e.g. "text/plain; charset=utf-8" for String topics); default: none, the function gets bytes',
    placeholder: 'media-type',
    check: (v) =>
      parseMediaType(v) ? undefined : 'must be a media type such as text/plain or application/json',
  }),
  sink: option.url({
    flag: 'sink',
    description: 'URL of the function (its Knative Service address)',
    fallbackEnv: ['K_SINK'],
    protocols: ['http', 'https'],
    required: true,
    placeholder: 'url',
  }),
  output: option.string({ flag: 'output', description: 'output topic for replies', placeholder: 'topic' }),
  allowedReplyTopics: option.list({
    flag: 'allowed-reply-topic',
    description: 'further topics a reply event may name (repeatable); others are refused',
    placeholder: 'topic',
  }),
  forwardProperties: option.boolean({
    flag: 'forward-properties',
    description: 'copy the input message properties onto replies',
    default: true,
  }),
  guarantee: option.enumOf(['atleast_once', 'atmost_once', 'effectively_once', 'manual'], {
    flag: 'guarantee',
    description: 'processing guarantee (Pulsar Functions semantics)',
    default: 'atleast_once',
  }),
  maxInFlight: option.integer({
    flag: 'max-in-flight',
    description: 'messages delivered to the function at once (per bridge replica)',
    default: 1000,
    min: 1,
  }),
  timeoutMs: option.integer({
    flag: 'timeout-ms',
    description:
      'time a delivery may take per message: a request waits timeout × its messages + 1 s ' +
      "(so the function host's own timeout, the same value, answers first)",
    default: 30_000,
    min: 1,
  }),
  maxResponseBytes: option.integer({
    flag: 'max-response-bytes',
    description: 'largest answer read from the function (replies of a whole batch)',
    default: 64 * 1024 * 1024,
    min: 1024,
  }),
  maxRetries: option.integer({
    flag: 'max-retries',
    description: 'retries of a failed delivery before dead-lettering',
    default: 3,
    min: 0,
  }),
  retryBackoffMs: option.integer({
    flag: 'retry-backoff-ms',
    description: 'first retry delay; doubles each retry, with jitter',
    default: 200,
    min: 0,
  }),
  retryBackoffMaxMs: option.integer({
    flag: 'retry-backoff-max-ms',
    description: 'upper bound of a retry delay',
    default: 30_000,
    min: 0,
  }),
  deadLetterTopic: option.string({
    flag: 'dead-letter-topic',
    description:
      'topic receiving messages that cannot be delivered (default <input>-<subscription>-DLQ, with / in the ' +
      'subscription as -)',
    placeholder: 'topic',
  }),
  attemptJournal: option.boolean({
    flag: 'attempt-journal',
    description:
      'record failed attempts in the subscription properties (admin API), so a restarted bridge keeps ' +
      'counting retries (--no-attempt-journal: broker redelivery counts only)',
    default: true,
  }),
  delivery: option.enumOf(['binary', 'structured', 'batch'], {
    flag: 'delivery',
    description: 'CloudEvents HTTP content mode of deliveries',
    default: 'binary',
  }),
  batchSize: option.integer({
    flag: 'batch-size',
    description: 'messages per request with --delivery batch',
    default: 100,
    min: 1,
  }),
  batchMaxWaitMs: option.integer({
    flag: 'batch-max-wait-ms',
    description: 'longest wait to fill a batch with --delivery batch',
    default: 5,
    min: 0,
  }),
  compression: option.enumOf(['none', 'lz4', 'zlib', 'zstd', 'snappy'], {
    flag: 'compression',
    description: 'compression of published replies',
    default: 'lz4',
  }),
  publishDelayMs: option.integer({
    flag: 'publish-delay-ms',
    description:
      'longest wait to gather replies and dead letters into one producer batch (Pulsar Functions wait ' +
      '10 ms; longer batches cost the broker less per message, and each waits up to this long)',
    default: 1,
    min: 1,
    max: 1000,
  }),
  maxPendingMessages: option.integer({
    flag: 'max-pending-messages',
    description: 'replies awaiting broker acknowledgement before publishing waits',
    default: 1000,
    min: 1,
  }),
  port: option.integer({
    flag: 'port',
    description: 'port of /healthz, /readyz and /metrics (0: any free port, logged)',
    default: 9090,
    min: 0,
    max: 65535,
  }),
  host: option.string({
    flag: 'host',
    description: 'address the health and metrics server listens on',
    default: '0.0.0.0',
    placeholder: 'address',
  }),
  gracePeriodMs: option.integer({
    flag: 'grace-period-ms',
    description: 'time to finish in-flight messages on SIGTERM',
    default: 25_000,
    min: 0,
  }),
  logLevel: option.enumOf(['trace', 'debug', 'info', 'warn', 'error', 'silent'], {
    flag: 'log-level',
    description: 'log level',
    default: 'info',
  }),
};
