import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { restartTestBroker, testBroker, uniqueTopic } from '../support/test-broker.ts';

const TOTAL = 20_000;
const RESTART_AFTER = 5_000;
const canRestart = testBroker().home !== undefined;

let client: PulsarClient | undefined;

afterAll(async () => {
  await client?.close();
});

describe.skipIf(!canRestart)('broker restart in the middle of a run', () => {
  it(`loses no acknowledged message of ${TOTAL} while the broker restarts, reconnecting by itself`, async () => {
    const events: string[] = [];
    client = new PulsarClient({
      serviceUrl: testBroker().brokerUrl,
      backoff: { initialMs: 100, maxMs: 2_000 },
      operationTimeoutMs: 30_000,
      keepAliveIntervalMs: 5_000,
    });
    client.on('disconnected', () => events.push('disconnected'));
    client.on('connected', () => events.push('connected'));
    const topic = uniqueTopic('restart');
    const consumer = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Shared',
      initialPosition: 'earliest',
      receiverQueueSize: 500,
    });
    // sendTimeoutMs 0: pending messages wait for the reconnect and are resent, as Functions do.
    const producer = await client.createProducer({
      topic,
      sendTimeoutMs: 0,
      maxPendingMessages: 1000,
      batching: { maxMessages: 100, maxDelayMs: 5 },
    });

    const acknowledged = new Set<number>();
    const failed: unknown[] = [];
    const received = new Set<number>();
    let deliveries = 0;
    const deadline = Date.now() + 240_000;

    const consuming = (async () => {
      while (received.size < TOTAL && Date.now() < deadline) {
        const message = await consumer.tryReceive(1000);
        if (message === undefined) continue;
        deliveries++;
        received.add(Number(message.payload.toString()));
        consumer.ack(message);
      }
    })();

    const sends: Promise<void>[] = [];
    const send = (i: number): void => {
      sends.push(
        producer.send({ payload: Buffer.from(String(i)) }).then(
          () => void acknowledged.add(i),
          (error: unknown) => void failed.push(error),
        ),
      );
    };
    for (let i = 0; i < RESTART_AFTER; i++) send(i);
    await Promise.all(sends);
    expect(acknowledged.size).toBe(RESTART_AFTER);

    const restarting = restartTestBroker();
    // Keep producing while the broker goes down and comes back; backpressure holds the loop.
    for (let i = RESTART_AFTER; i < TOTAL; i += 100) {
      for (let j = i; j < Math.min(TOTAL, i + 100); j++) send(j);
      await sleep(20);
    }
    expect(await restarting).toBe(true);
    await Promise.all(sends);
    await consuming;

    expect(failed).toEqual([]);
    expect(acknowledged.size).toBe(TOTAL);
    const lost = [...acknowledged].filter((i) => !received.has(i));
    expect(lost).toEqual([]);
    expect(received.size).toBe(TOTAL);
    expect(deliveries).toBeGreaterThanOrEqual(TOTAL); // duplicates are allowed (at-least-once)
    expect(events).toContain('disconnected');
    expect(events.at(-1)).toBe('connected');
    expect(client.connected).toBe(true);
    await producer.close();
    await consumer.close();
  }, 300_000);
});
