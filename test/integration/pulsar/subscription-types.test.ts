import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { eventually, receiveN } from '../support/receive-n.ts';
import { testBroker, uniqueTopic } from '../support/test-broker.ts';

let client: PulsarClient;
let admin: PulsarAdmin;

beforeAll(() => {
  client = new PulsarClient({ serviceUrl: testBroker().brokerUrl });
  admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
});

afterAll(async () => {
  await client.close();
});

/** Drains every consumer until `total` messages arrived overall; returns payloads per consumer. */
async function drain(consumers: Consumer[], total: number, timeoutMs = 60_000): Promise<string[][]> {
  const got: string[][] = consumers.map(() => []);
  const until = Date.now() + timeoutMs;
  let count = 0;
  while (count < total && Date.now() < until) {
    for (const [i, consumer] of consumers.entries()) {
      const message = await consumer.tryReceive(20);
      if (message === undefined) continue;
      got[i]!.push(message.key ?? message.payload.toString());
      consumer.ack(message);
      count++;
    }
  }
  return got;
}

describe('subscription types', () => {
  it('Key_Shared spreads keys over consumers and keeps each key on one consumer', async () => {
    const topic = uniqueTopic('key-shared');
    const consumers = await Promise.all(
      [0, 1, 2].map((i) =>
        client.subscribe({
          topic,
          subscription: 'ks',
          type: 'Key_Shared',
          consumerName: `c${i}`,
          receiverQueueSize: 50,
        }),
      ),
    );
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        producer.send({ key: keys[i % keys.length]!, payload: Buffer.from('x') }),
      ),
    );
    const got = await drain(consumers, 400);
    expect(got.flat()).toHaveLength(400);
    const owner = new Map<string, number>();
    got.forEach((keysOf, i) => {
      for (const key of keysOf) {
        expect(owner.get(key) ?? i).toBe(i); // one consumer per key
        owner.set(key, i);
      }
    });
    expect(got.filter((k) => k.length > 0).length).toBeGreaterThanOrEqual(2); // really spread
    await Promise.all([producer.close(), ...consumers.map((c) => c.close())]);
  });

  it('Key_Shared keeps keys on one consumer when the producer batches by key', async () => {
    const topic = uniqueTopic('key-shared-batched');
    const consumers = await Promise.all(
      [0, 1].map((i) =>
        client.subscribe({
          topic,
          subscription: 'ks',
          type: 'Key_Shared',
          consumerName: `c${i}`,
          receiverQueueSize: 100,
        }),
      ),
    );
    const producer = await client.createProducer({
      topic,
      batching: { enabled: true, keyBased: true, maxMessages: 100, maxDelayMs: 20 },
    });
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    const ids = await Promise.all(
      Array.from({ length: 400 }, (_, i) =>
        producer.send({ key: keys[i % keys.length]!, payload: Buffer.from('x') }),
      ),
    );
    expect(ids.some((id) => id.batchIndex > 0)).toBe(true); // really batched
    const got = await drain(consumers, 400);
    expect(got.flat()).toHaveLength(400);
    const owner = new Map<string, number>();
    got.forEach((keysOf, i) => {
      for (const key of keysOf) {
        expect(owner.get(key) ?? i).toBe(i);
        owner.set(key, i);
      }
    });
    await Promise.all([producer.close(), ...consumers.map((c) => c.close())]);
  });

  it('Failover delivers to one active consumer and fails over when it leaves', async () => {
    const topic = uniqueTopic('failover');
    const a = await client.subscribe({ topic, subscription: 'fo', type: 'Failover', consumerName: 'a' });
    const b = await client.subscribe({ topic, subscription: 'fo', type: 'Failover', consumerName: 'b' });
    expect(await eventually(() => a.isActive !== b.isActive)).toBe(true);
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    for (let i = 0; i < 20; i++) await producer.send({ payload: Buffer.from(String(i)) });
    const [active, standby] = a.isActive ? [a, b] : [b, a];
    const got = await drain([active, standby], 20);
    expect(got[0]).toHaveLength(20);
    expect(got[1]).toHaveLength(0);
    await active.close();
    expect(await eventually(() => standby.isActive)).toBe(true);
    for (let i = 20; i < 30; i++) await producer.send({ payload: Buffer.from(String(i)) });
    expect((await receiveN(standby, 10)).map((m) => m.payload.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => String(i + 20)),
    );
    await Promise.all([producer.close(), standby.close()]);
  });

  it('Shared spreads messages over consumers, each message once', async () => {
    const topic = uniqueTopic('shared');
    const consumers = await Promise.all(
      [0, 1].map(() =>
        client.subscribe({ topic, subscription: 'sh', type: 'Shared', receiverQueueSize: 10 }),
      ),
    );
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => producer.send({ payload: Buffer.from(String(i)) })),
    );
    const got = await drain(consumers, 200);
    expect(
      got
        .flat()
        .map(Number)
        .sort((x, y) => x - y),
    ).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(got[0]!.length).toBeGreaterThan(0);
    expect(got[1]!.length).toBeGreaterThan(0);
    await Promise.all([producer.close(), ...consumers.map((c) => c.close())]);
  });
});

describe('negative acknowledgement, ack timeout and dead letters', () => {
  it('redelivers a nacked message after the delay with a growing redelivery count', async () => {
    const topic = uniqueTopic('nack');
    const consumer = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Shared',
      nackRedeliveryDelayMs: 200,
    });
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: Buffer.from('again') });
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [m] = await receiveN(consumer, 1, 30_000);
      expect(m?.payload.toString()).toBe('again');
      counts.push(m!.redeliveryCount);
      if (i < 2) consumer.nack(m!);
      else consumer.ack(m!);
    }
    expect(counts).toEqual([0, 1, 2]);
    expect(await consumer.tryReceive(700)).toBeUndefined();
    await Promise.all([producer.close(), consumer.close()]);
  });

  it('publishes to the dead-letter topic after maxRedeliverCount redeliveries, then acks', async () => {
    const topic = uniqueTopic('dlq-src');
    const dlq = uniqueTopic('dlq');
    const dlqConsumer = await client.subscribe({
      topic: dlq,
      subscription: 'inspect',
      initialPosition: 'earliest',
    });
    const consumer = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Shared',
      nackRedeliveryDelayMs: 100,
      deadLetterPolicy: { maxRedeliverCount: 2, deadLetterTopic: dlq },
    });
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: Buffer.from('poison'), key: 'k', properties: { origin: 'test' } });
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const [m] = await receiveN(consumer, 1, 30_000);
      expect(m).toBeDefined();
      seen.push(m!.redeliveryCount);
      consumer.nack(m!);
    }
    expect(seen).toEqual([0, 1, 2]);
    const [dead] = await receiveN(dlqConsumer, 1, 30_000);
    expect(dead?.payload.toString()).toBe('poison');
    expect(dead?.key).toBe('k');
    expect(dead?.properties['origin']).toBe('test');
    expect(dead?.properties['REAL_TOPIC']).toBe(topic);
    expect(await consumer.tryReceive(700)).toBeUndefined();
    expect(await eventually(async () => (await admin.backlog(topic, 'sub')) === 0)).toBe(true);
    await Promise.all([producer.close(), consumer.close(), dlqConsumer.close()]);
  });

  it('dead-letters each topic of a multi-topic consumer to its own default <topic>-<subscription>-DLQ (/ as -)', async () => {
    const topics = [uniqueTopic('dlq-multi'), uniqueTopic('dlq-multi')];
    const inspectors = await Promise.all(
      topics.map((t) =>
        client.subscribe({
          topic: `${t}-public-default-fn-DLQ`,
          subscription: 'inspect',
          initialPosition: 'earliest',
        }),
      ),
    );
    const consumer = await client.subscribe({
      topics,
      // A Pulsar Functions style name: its `/` become `-` in the dead-letter topic.
      subscription: 'public/default/fn',
      type: 'Shared',
      nackRedeliveryDelayMs: 100,
      deadLetterPolicy: { maxRedeliverCount: 1 },
    });
    for (const topic of topics) {
      const producer = await client.createProducer({ topic });
      await producer.send({ payload: Buffer.from(`poison of ${topic}`) });
      await producer.close();
    }
    // Two deliveries each (redeliveryCount 0 and 1), then the next nack dead-letters.
    for (let i = 0; i < 4; i++) {
      const [m] = await receiveN(consumer, 1, 30_000);
      expect(m).toBeDefined();
      consumer.nack(m!);
    }
    for (const [i, inspector] of inspectors.entries()) {
      const [dead] = await receiveN(inspector, 1, 30_000);
      expect(dead?.payload.toString()).toBe(`poison of ${topics[i]}`);
      expect(dead?.properties['REAL_TOPIC']).toBe(topics[i]);
    }
    await Promise.all([consumer.close(), ...inspectors.map((c) => c.close())]);
  });

  it('redelivers messages not acknowledged within the ack timeout', async () => {
    const topic = uniqueTopic('ack-timeout');
    const consumer = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Shared',
      ackTimeoutMs: 300,
    });
    const producer = await client.createProducer({ topic });
    await producer.send({ payload: Buffer.from('slow') });
    const [first] = await receiveN(consumer, 1);
    expect(first?.redeliveryCount).toBe(0);
    const [second] = await receiveN(consumer, 1, 30_000); // not acked: comes back
    expect(second?.payload.toString()).toBe('slow');
    expect(second?.redeliveryCount).toBe(1);
    consumer.ack(second!);
    expect(await consumer.tryReceive(1000)).toBeUndefined();
    await Promise.all([producer.close(), consumer.close()]);
  });
});

describe('multi-topic and pattern subscriptions', () => {
  it('consumes several topics through one consumer', async () => {
    const topics = [uniqueTopic('multi'), uniqueTopic('multi')];
    const consumer = await client.subscribe({ topics, subscription: 'sub', initialPosition: 'earliest' });
    for (const topic of topics) {
      const p = await client.createProducer({ topic });
      await p.send({ payload: Buffer.from(topic) });
      await p.close();
    }
    const got = await receiveN(consumer, 2);
    expect(got.map((m) => m.topic).sort()).toEqual([...topics].sort());
    expect(got.map((m) => m.payload.toString()).sort()).toEqual([...topics].sort());
    await consumer.close();
  });

  it('subscribes to the topics matching a pattern and discovers new ones', async () => {
    const prefix = uniqueTopic('pattern').replace('persistent://public/default/', '');
    const existing = `persistent://public/default/${prefix}-a`;
    await admin.createTopic(existing);
    await admin.createTopic(`persistent://public/default/other-${prefix}`);
    const consumer = await client.subscribe({
      topicsPattern: `persistent://public/default/${prefix}-.*`,
      subscription: 'sub',
      initialPosition: 'earliest',
      patternDiscoveryIntervalMs: 300,
    });
    expect(consumer.topics).toEqual([existing]);
    const later = `persistent://public/default/${prefix}-b`;
    const producer = await client.createProducer({ topic: later });
    expect(await eventually(() => consumer.topics.includes(later))).toBe(true);
    await producer.send({ payload: Buffer.from('found') });
    const [m] = await receiveN(consumer, 1);
    expect(m?.topic).toBe(later);
    await Promise.all([producer.close(), consumer.close()]);
  });
});

describe('partitions added to a topic', () => {
  it('a consumer subscribes to them and a producer sends to them', async () => {
    const topic = uniqueTopic('grow');
    await admin.createTopic(topic, 1);
    const consumer = await client.subscribe({
      topic,
      subscription: 'sub',
      type: 'Shared',
      initialPosition: 'earliest',
      partitionsUpdateIntervalMs: 300,
    });
    const producer = await client.createProducer({
      topic,
      batching: { enabled: false },
      partitionsUpdateIntervalMs: 300,
    });
    expect(consumer.topics).toEqual([`${topic}-partition-0`]);
    expect(producer.numPartitions).toBe(1);

    await admin.updatePartitions(topic, 3);
    const all = [0, 1, 2].map((i) => `${topic}-partition-${i}`);
    expect(await eventually(() => consumer.topics.length === 3, 10_000)).toBe(true);
    expect([...consumer.topics].sort()).toEqual(all);
    expect(await eventually(() => producer.numPartitions === 3, 10_000)).toBe(true);

    // Keys hash over the three partitions now: every partition gets messages, and the consumer
    // receives all of them, from every partition.
    const sent = await Promise.all(
      Array.from({ length: 60 }, (_, i) => producer.send({ key: `k${i}`, payload: Buffer.from(String(i)) })),
    );
    expect(new Set(sent.map((id) => id.partition))).toEqual(new Set([0, 1, 2]));
    const got = await receiveN(consumer, 60);
    expect(got.map((m) => Number(m.payload.toString())).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );
    expect(new Set(got.map((m) => m.topic))).toEqual(new Set(all));
    for (const m of got) consumer.ack(m);
    await Promise.all([producer.close(), consumer.close()]);
  });

  it('does not follow them when the update interval is 0', async () => {
    const topic = uniqueTopic('fixed');
    await admin.createTopic(topic, 1);
    const consumer = await client.subscribe({ topic, subscription: 'sub', partitionsUpdateIntervalMs: 0 });
    const producer = await client.createProducer({ topic, partitionsUpdateIntervalMs: 0 });
    await admin.updatePartitions(topic, 2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(consumer.topics).toEqual([`${topic}-partition-0`]);
    expect(producer.numPartitions).toBe(1);
    await Promise.all([producer.close(), consumer.close()]);
  });
});

describe('flow control', () => {
  it('stops pulling when the application does not take messages', async () => {
    const topic = uniqueTopic('flow');
    const consumer = await client.subscribe({ topic, subscription: 'sub', receiverQueueSize: 20 });
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => producer.send({ payload: Buffer.from(String(i)) })),
    );
    // The broker sends at most the permits granted: the receiver queue.
    expect(await eventually(() => consumer.queued === 20, 10_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(consumer.queued).toBe(20);
    // Taking messages grants permits in halves of the queue and more arrive.
    const got = await receiveN(consumer, 200);
    expect(got.map((m) => Number(m.payload.toString()))).toEqual(Array.from({ length: 200 }, (_, i) => i));
    for (const m of got) consumer.ack(m);
    await Promise.all([producer.close(), consumer.close()]);
  });
});
