import type { PulsarConnection } from './pulsar-connection.ts';

/**
 * Best effort, not awaited: closes a producer or consumer that the broker created for a client that
 * was closed meanwhile. Left there, it would keep a producer name busy, or a Failover consumer that
 * receives nothing could be chosen active.
 */
export function closeOnBroker(
  connection: PulsarConnection,
  encode: (id: number, requestId: number) => Buffer,
  id: number,
): void {
  if (connection.isClosed) return;
  const requestId = connection.newRequestId();
  connection.request(encode(id, requestId), requestId, 'closing on the broker').catch(() => undefined);
}
