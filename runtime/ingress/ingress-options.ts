import { option } from '../config/option.ts';
import { pulsarConnectionOptions } from '../pulsar/pulsar-connection-options.ts';

/** `knmesh ingress` options; the translator configures Source ingresses from this table. */
export const ingressOptions = {
  ...pulsarConnectionOptions,
  topic: option.string({
    flag: 'topic',
    description: 'topic the accepted events are published to',
    required: true,
    placeholder: 'topic',
  }),
  name: option.string({
    flag: 'name',
    description: 'name for logs and metrics (e.g. the Source it serves)',
    placeholder: 'name',
  }),
  port: option.integer({
    flag: 'port',
    description: 'HTTP port (events, /healthz, /readyz, /metrics)',
    fallbackEnv: ['PORT'], // Knative's
    default: 8080,
    min: 0,
    max: 65535,
  }),
  host: option.string({
    flag: 'host',
    description: 'address to listen on',
    default: '0.0.0.0',
    placeholder: 'address',
  }),
  maxBodyBytes: option.integer({
    flag: 'max-body-bytes',
    description: 'largest accepted request body',
    default: 5 * 1024 * 1024,
    min: 1,
  }),
  bearerTokenFile: option.string({
    flag: 'bearer-token-file',
    description: 'require `Authorization: Bearer <token>` with the token in this file',
    placeholder: 'path',
  }),
  compression: option.enumOf(['none', 'lz4', 'zlib', 'zstd', 'snappy'], {
    flag: 'compression',
    description: 'compression of published messages',
    default: 'lz4',
  }),
  maxPendingMessages: option.integer({
    flag: 'max-pending-messages',
    description: 'messages awaiting broker acknowledgement before requests wait',
    default: 1000,
    min: 1,
  }),
  sendTimeoutMs: option.integer({
    flag: 'send-timeout-ms',
    description: 'longest wait for the broker to store the events of one request (then 503)',
    default: 30_000,
    min: 1,
  }),
  retryAfterSeconds: option.integer({
    flag: 'retry-after-seconds',
    description: 'Retry-After of 503 answers while the broker is unreachable',
    default: 5,
    min: 1,
  }),
  gracePeriodMs: option.integer({
    flag: 'grace-period-ms',
    description: 'time to finish in-flight requests on SIGTERM',
    default: 25_000,
    min: 0,
  }),
  logLevel: option.enumOf(['trace', 'debug', 'info', 'warn', 'error', 'silent'], {
    flag: 'log-level',
    description: 'log level',
    default: 'info',
  }),
};
