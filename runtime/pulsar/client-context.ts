import type { Logger } from '../observability/create-logger.ts';
import type { BackoffOptions } from './backoff.ts';
import type { PulsarConnection } from './connection/pulsar-connection.ts';
import type { Timers } from './timers.ts';

/** A producer or consumer part the client watches for `connected`. */
export interface AttachedHandle {
  readonly connected: boolean;
}

/** What producers and consumers need from their client (kept narrow to avoid an import cycle). */
export interface ClientContext {
  readonly timers: Timers;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  readonly operationTimeoutMs: number;
  connectionForTopic(topic: string): Promise<PulsarConnection>;
  newProducerId(): number;
  newConsumerId(): number;
  attach(handle: AttachedHandle): void;
  detach(handle: AttachedHandle): void;
  /** A handle's `connected` changed. */
  stateChanged(): void;
}
