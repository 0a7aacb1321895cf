import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import { javaStringHash } from '../../../runtime/pulsar/hashing/java-string-hash.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { PulsarErrors } from '../../../runtime/pulsar/pulsar-errors.ts';
import { receiveN } from '../support/receive-n.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';

let client: PulsarClient;
let admin: PulsarAdmin;

beforeAll(() => {
  client = new PulsarClient({ serviceUrl: testBroker().brokerUrl, operationTimeoutMs: 30_000 });
  admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
});

afterAll(async () => {
  await client.close();
});

describe('producing and consuming through the binary protocol', () => {
  it('round-trips payload, key, ordering key, properties, event time, sequence id and publish time', async () => {
    const topic = uniqueTopic('roundtrip');
    const consumer = await client.subscribe({ topic, subscription: 'sub', initialPosition: 'earliest' });
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    const before = Date.now();
    const id = await producer.send({
      payload: Buffer.from([0, 1, 2, 255]),
      key: 'the-key',
      orderingKey: Buffer.from('order'),
      properties: { a: '1', ünï: 'cödé' },
      eventTime: 1_700_000_000_123,
    });
    const [message] = await receiveN(consumer, 1);
    expect(message).toBeDefined();
    expect(message!.payload).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(message!.key).toBe('the-key');
    expect(message!.orderingKey?.toString()).toBe('order');
    expect({ ...message!.properties }).toEqual({ a: '1', ünï: 'cödé' });
    expect(message!.eventTime).toBe(1_700_000_000_123);
    expect(message!.sequenceId).toBe(0n);
    expect(message!.producerName).toBe(producer.producerName);
    expect(message!.publishTime).toBeGreaterThanOrEqual(before - 5000);
    expect(message!.topic).toBe(topic);
    expect(message!.messageId.equals(id)).toBe(true);
    expect(message!.messageId.batchIndex).toBe(-1);
    consumer.ack(message!);
    await producer.close();
    await consumer.close();
  });

  for (const compression of ['none', 'lz4', 'zlib', 'zstd', 'snappy'] as const) {
    it(`round-trips 300 batched messages with ${compression} compression, in order`, async () => {
      const topic = uniqueTopic(`batch-${compression}`);
      const consumer = await client.subscribe({ topic, subscription: 'sub', initialPosition: 'earliest' });
      const producer = await client.createProducer({
        topic,
        compression,
        batching: { enabled: true, maxMessages: 50, maxDelayMs: 20 },
      });
      const payloads = Array.from({ length: 300 }, (_, i) =>
        Buffer.from(`message ${i} `.repeat(1 + (i % 40))),
      );
      const ids = await Promise.all(
        payloads.map((payload, i) => producer.send({ payload, key: `k${i % 7}` })),
      );
      expect(ids.some((id) => id.batchIndex > 0)).toBe(true);
      const received = await receiveN(consumer, 300);
      expect(received.map((m) => m.payload.toString())).toEqual(payloads.map((p) => p.toString()));
      expect(received.map((m) => m.key)).toEqual(payloads.map((_, i) => `k${i % 7}`));
      expect(received.map((m) => m.sequenceId)).toEqual(payloads.map((_, i) => BigInt(i)));
      for (const m of received) consumer.ack(m);
      await producer.close();
      await consumer.close();
    });
  }

  it('starts a new subscription at latest or earliest as asked', async () => {
    const topic = uniqueTopic('position');
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: Buffer.from('old') });
    const latest = await client.subscribe({ topic, subscription: 'latest', initialPosition: 'latest' });
    const earliest = await client.subscribe({ topic, subscription: 'earliest', initialPosition: 'earliest' });
    await producer.send({ payload: Buffer.from('new') });
    expect((await receiveN(earliest, 2)).map((m) => m.payload.toString())).toEqual(['old', 'new']);
    expect((await receiveN(latest, 1)).map((m) => m.payload.toString())).toEqual(['new']);
    expect(await latest.tryReceive(500)).toBeUndefined();
    await Promise.all([producer.close(), latest.close(), earliest.close()]);
  });

  it('redelivers exactly the unacknowledged messages to the next consumer of the subscription', async () => {
    const topic = uniqueTopic('ack');
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    for (let i = 0; i < 10; i++) await producer.send({ payload: Buffer.from(String(i)) });
    const first = await client.subscribe({
      topic,
      subscription: 'sub',
      initialPosition: 'earliest',
      type: 'Shared',
    });
    for (const m of await receiveN(first, 10)) if (Number(m.payload.toString()) % 2 === 0) first.ack(m);
    await first.close(); // flushes the grouped acks
    const second = await client.subscribe({ topic, subscription: 'sub', type: 'Shared' });
    const again = await receiveN(second, 5);
    expect(again.map((m) => Number(m.payload.toString())).sort((a, b) => a - b)).toEqual([1, 3, 5, 7, 9]);
    expect(await second.tryReceive(500)).toBeUndefined();
    await Promise.all([producer.close(), second.close()]);
  });

  it('acknowledges cumulatively up to a message inside a batch', async () => {
    const topic = uniqueTopic('cumulative');
    const producer = await client.createProducer({ topic, batching: { maxMessages: 10, maxDelayMs: 50 } });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => producer.send({ payload: Buffer.from(String(i)) })),
    );
    const first = await client.subscribe({
      topic,
      subscription: 'sub',
      initialPosition: 'earliest',
      type: 'Failover',
      batchIndexAck: true,
    });
    const got = await receiveN(first, 30);
    first.ackCumulative(got[14]!); // in the middle of the second batch
    await first.close();
    const second = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Failover',
      batchIndexAck: true,
    });
    const rest = await receiveN(second, 15);
    expect(rest.map((m) => Number(m.payload.toString()))).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 15),
    );
    expect(() => second.ackCumulative(rest[0]!)).not.toThrow();
    await Promise.all([producer.close(), second.close()]);
  });

  it('acknowledges single messages of a batch (batch-index ack) so only the others come back', async () => {
    const topic = uniqueTopic('batch-index');
    const producer = await client.createProducer({ topic, batching: { maxMessages: 10, maxDelayMs: 50 } });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => producer.send({ payload: Buffer.from(String(i)) })),
    );
    const first = await client.subscribe({
      topic,
      subscription: 'sub',
      initialPosition: 'earliest',
      type: 'Shared',
      batchIndexAck: true,
    });
    const got = await receiveN(first, 10);
    expect(got.every((m) => m.messageId.batchSize === 10)).toBe(true);
    for (const m of got) if (m.messageId.batchIndex < 7) first.ack(m);
    await first.close();
    const second = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Shared',
      batchIndexAck: true,
    });
    const rest = await receiveN(second, 3);
    expect(rest.map((m) => m.payload.toString())).toEqual(['7', '8', '9']);
    expect(await second.tryReceive(500)).toBeUndefined();
    await Promise.all([producer.close(), second.close()]);
  });

  it('routes keys over the partitions of a partitioned topic by the Java client hash', async () => {
    const topic = uniqueTopic('partitioned');
    await admin.createTopic(topic, 3);
    const producer = await client.createProducer({ topic, batching: { maxDelayMs: 5 } });
    expect(producer.numPartitions).toBe(3);
    const keys = Array.from({ length: 30 }, (_, i) => `key-${i}`);
    const ids = await Promise.all(keys.map((key) => producer.send({ key, payload: Buffer.from(key) })));
    ids.forEach((id, i) => expect(id.partition).toBe(javaStringHash(keys[i]!) % 3));
    const consumer = await client.subscribe({ topic, subscription: 'sub', initialPosition: 'earliest' });
    const got = await receiveN(consumer, 30);
    expect(got.map((m) => m.key).sort()).toEqual([...keys].sort());
    for (const m of got) {
      expect(m.topic).toBe(`${topic}-partition-${m.messageId.partition}`);
      consumer.ack(m);
    }
    await Promise.all([producer.close(), consumer.close()]);
  });

  it('refuses invalid topic names and oversized messages with typed errors', async () => {
    await expect(client.createProducer({ topic: 'persistent://public' })).rejects.toSatisfy((e) =>
      PulsarErrors.invalidTopicName.is(e),
    );
    await expect(client.subscribe({ topic: 'a/b/c/d/e', subscription: 's' })).rejects.toSatisfy((e) =>
      PulsarErrors.invalidTopicName.is(e),
    );
    const producer = await client.createProducer({ topic: uniqueTopic('big') });
    await expect(producer.send({ payload: Buffer.alloc(6 * 1024 * 1024) })).rejects.toSatisfy((e) =>
      PulsarErrors.messageTooLarge.is(e),
    );
    await producer.close();
    await expect(producer.send({ payload: Buffer.from('x') })).rejects.toSatisfy((e) =>
      PulsarErrors.producerClosed.is(e),
    );
  });

  it('fails a second Exclusive consumer with ConsumerBusy', async () => {
    const topic = uniqueTopic('exclusive');
    const first = await client.subscribe({ topic, subscription: 'sub', type: 'Exclusive' });
    await expect(client.subscribe({ topic, subscription: 'sub', type: 'Exclusive' })).rejects.toSatisfy((e) =>
      PulsarErrors.serverConsumerBusy.is(e),
    );
    await first.close();
  });

  it('keeps sending bounded: send waits while maxPendingMessages are unacknowledged', async () => {
    const topic = uniqueTopic('backpressure');
    const producer = await client.createProducer({
      topic,
      maxPendingMessages: 5,
      batching: { maxDelayMs: 2 },
    });
    let maxSeen = 0;
    const sends = Array.from({ length: 200 }, (_, i) => {
      const p = producer.send({ payload: Buffer.from(String(i)) });
      maxSeen = Math.max(maxSeen, producer.pendingMessages);
      return p;
    });
    const ids = await Promise.all(sends);
    expect(maxSeen).toBeLessThanOrEqual(5);
    expect(new Set(ids.map(String)).size).toBe(200);
    await producer.flush();
    expect(producer.pendingMessages).toBe(0);
    await producer.close();
  });

  it('iterates messages with for await until the consumer is closed', async () => {
    const topic = uniqueTopic('iterate');
    const consumer = await client.subscribe({ topic, subscription: 'sub', initialPosition: 'earliest' });
    const producer = await client.createProducer({ topic });
    await Promise.all(['a', 'b', 'c'].map((p) => producer.send({ payload: Buffer.from(p) })));
    const seen: string[] = [];
    for await (const message of consumer) {
      seen.push(message.payload.toString());
      consumer.ack(message);
      if (seen.length === 3) void consumer.close(); // ends the loop once the queue is drained
    }
    expect(seen).toEqual(['a', 'b', 'c']);
    await producer.close();
  });

  it('unsubscribes: the subscription is deleted on the broker', async () => {
    const topic = uniqueTopic('unsubscribe');
    const consumer = await client.subscribe({ topic, subscription: 'gone' });
    expect(await admin.subscriptions(topic)).toContain('gone');
    await consumer.unsubscribe();
    expect(await admin.subscriptions(topic)).not.toContain('gone');
    await expect(consumer.receive()).rejects.toSatisfy((e) => PulsarErrors.consumerClosed.is(e));
  });
});
