import type { Authentication } from '../auth/authentication.ts';
import type { Logger } from '../../observability/create-logger.ts';
import type { Timers } from '../timers.ts';
import { PulsarConnection } from './pulsar-connection.ts';
import type { TlsSettings } from './tls-settings.ts';

export interface PoolSettings {
  readonly useTls: boolean;
  readonly tls: TlsSettings;
  readonly authentication: Authentication;
  readonly connectionTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
  readonly timers: Timers;
  readonly logger: Logger;
}

/**
 * One connection per (broker, dialled address): every producer and consumer on topics served by
 * the same broker share it, as in the Java client. A closed or failed connection is forgotten,
 * so the next caller dials again.
 */
export class ConnectionPool {
  private readonly settings: PoolSettings;
  private readonly connections = new Map<string, Promise<PulsarConnection>>();
  private closed = false;

  constructor(settings: PoolSettings) {
    this.settings = settings;
  }

  get(logicalAddress: string, physicalAddress: string, proxyToBrokerUrl?: string): Promise<PulsarConnection> {
    const key = `${logicalAddress}|${physicalAddress}`;
    const existing = this.connections.get(key);
    if (existing !== undefined) return existing;
    const connection = new PulsarConnection({
      ...this.settings,
      logicalAddress,
      physicalAddress,
      proxyToBrokerUrl,
    });
    const opening = connection.open().then(
      () => {
        if (this.closed) connection.close();
        return connection;
      },
      (error: unknown) => {
        if (this.connections.get(key) === opening) this.connections.delete(key);
        throw error;
      },
    );
    connection.once('close', () => {
      if (this.connections.get(key) === opening) this.connections.delete(key);
    });
    this.connections.set(key, opening);
    return opening;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close()).catch(() => undefined)));
  }
}
