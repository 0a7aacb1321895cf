import type { Logger } from '../observability/create-logger.ts';
import type { Authentication } from './auth/authentication.ts';
import type { BackoffOptions } from './backoff.ts';
import type { TlsSettings } from './connection/tls-settings.ts';
import type { Timers } from './timers.ts';

export interface PulsarClientOptions {
  /** `pulsar://host:port` or `pulsar+ssl://host:port`; several hosts separated by commas. */
  readonly serviceUrl: string;
  readonly authentication?: Authentication;
  readonly tls?: TlsSettings;
  /** Lookups, producer/consumer creation and other requests; default 30 s. */
  readonly operationTimeoutMs?: number;
  /** TCP/TLS connect plus CONNECT handshake; default 10 s. */
  readonly connectionTimeoutMs?: number;
  /** PING interval; a connection silent for two intervals is dropped. Default 30 s. */
  readonly keepAliveIntervalMs?: number;
  /** Reconnection backoff; default 100 ms doubling to 30 s with 10 % jitter. */
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** Default: silent. */
  readonly logger?: Logger;
}
