import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { PulsarErrors } from '../../../runtime/pulsar/pulsar-errors.ts';
import { eventually, receiveN } from '../support/receive-n.ts';
import { brokerMaxMessageSize, testBroker, uniqueTopic } from '../support/test-broker.ts';

let client: PulsarClient;
let admin: PulsarAdmin;

beforeAll(() => {
  client = new PulsarClient({ serviceUrl: testBroker().brokerUrl, backoff: { initialMs: 50, maxMs: 1000 } });
  admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
});

afterAll(async () => {
  await client.close();
  await admin.close();
});

describe('admin REST client', () => {
  it('reports health', async () => {
    expect(await admin.healthy()).toBe(true);
    expect(await new PulsarAdmin({ adminUrl: 'http://127.0.0.1:1', timeoutMs: 2000 }).healthy()).toBe(false);
  });

  it('ensures a subscription at earliest before any consumer, so the backlog is visible', async () => {
    const topic = uniqueTopic('ensure-sub');
    const producer = await client.createProducer({ topic });
    for (let i = 0; i < 5; i++) await producer.send({ payload: Buffer.from(String(i)) });
    expect(await admin.ensureSubscription(topic, 'bridge', 'earliest')).toBe('created');
    expect(await admin.backlog(topic, 'bridge')).toBe(5);
    expect(await admin.ensureSubscription(topic, 'bridge', 'earliest')).toBe('exists');
    expect(await admin.ensureSubscription(topic, 'late', 'latest')).toBe('created');
    expect(await admin.backlog(topic, 'late')).toBe(0);
    await producer.send({ payload: Buffer.from('5') });
    expect(await admin.backlog(topic, 'late')).toBe(1);
    // A consumer of the ensured subscription gets the whole backlog.
    const consumer = await client.subscribe({ topic, subscription: 'bridge', initialPosition: 'latest' });
    expect((await receiveN(consumer, 6)).map((m) => m.payload.toString())).toEqual([
      '0',
      '1',
      '2',
      '3',
      '4',
      '5',
    ]);
    await Promise.all([producer.close(), consumer.close()]);
  });

  it('creates partitioned topics, reads their metadata and aggregate stats, and lists topics', async () => {
    const topic = uniqueTopic('admin-partitioned');
    const plain = uniqueTopic('admin-plain');
    await admin.createTopic(topic, 4);
    await admin.createTopic(plain);
    expect(await admin.partitionCount(topic)).toBe(4);
    expect(await admin.partitionCount(plain)).toBe(0);
    expect(await client.partitionCount(topic)).toBe(4);
    await admin.ensureSubscription(topic, 'sub', 'earliest');
    // Unbatched, so that the broker's entry-counted backlog equals the message count.
    const producer = await client.createProducer({ topic, batching: { enabled: false } });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => producer.send({ key: `k${i}`, payload: Buffer.from('x') })),
    );
    expect(await admin.backlog(topic, 'sub')).toBe(8);
    const listed = await admin.listTopics('public/default');
    expect(listed).toContain(topic);
    expect(listed).toContain(plain);
    expect(listed.some((t) => t.startsWith(`${topic}-partition-`))).toBe(false);
    await producer.close();
    await admin.deleteTopic(plain, { force: true });
    expect(await admin.listTopics('public/default')).not.toContain(plain);
  });

  it('answers unknown resources with a typed not-found error', async () => {
    await expect(admin.subscriptions('persistent://public/no-such-namespace/t')).rejects.toSatisfy((e) =>
      PulsarErrors.adminNotFound.is(e),
    );
  });
});

describe('effectively-once publishing with broker de-duplication', () => {
  it('resumes from lastSequenceId after a producer restart and the broker drops re-sent sequence ids', async () => {
    const namespace = `public/dedup-${Date.now().toString(36)}`;
    await admin.createNamespace(namespace);
    await admin.setNamespaceDeduplication(namespace, true);
    const topic = `persistent://${namespace}/out`;
    const consumer = await client.subscribe({ topic, subscription: 'check', initialPosition: 'earliest' });

    const first = await client.createProducer({
      topic,
      producerName: 'fn-partition-0',
      batching: { enabled: false },
    });
    expect(first.lastSequenceId).toBe(-1n);
    // Sequence ids derived from input positions (ledger << 28 | entry), as Functions do: sparse, growing.
    const sequenceOf = (i: number): bigint => (123n << 28n) | BigInt(i * 3);
    for (let i = 0; i < 5; i++)
      await first.send({ payload: Buffer.from(`r${i}`), sequenceId: sequenceOf(i) });
    expect(first.lastSequenceId).toBe(sequenceOf(4));
    await first.close();

    // A restarted instance learns where it stopped and re-sends the tail it was unsure about.
    const second = await client.createProducer({
      topic,
      producerName: 'fn-partition-0',
      batching: { enabled: false },
    });
    expect(second.lastSequenceId).toBe(sequenceOf(4));
    const duplicate = await second.send({ payload: Buffer.from('r3'), sequenceId: sequenceOf(3) });
    expect(duplicate.entryId).toBe(-1); // acknowledged but not stored
    for (let i = 5; i < 8; i++)
      await second.send({ payload: Buffer.from(`r${i}`), sequenceId: sequenceOf(i) });
    expect(second.lastSequenceId).toBe(sequenceOf(7));

    const got = await receiveN(consumer, 8);
    expect(got.map((m) => m.payload.toString())).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7']);
    expect(got.map((m) => m.sequenceId)).toEqual(Array.from({ length: 8 }, (_, i) => sequenceOf(i)));
    expect(await consumer.tryReceive(500)).toBeUndefined();
    await Promise.all([second.close(), consumer.close()]);
  });
});

describe('chunks on a de-duplicated topic', () => {
  it('stores every chunk of a split message (the broker checks only the last one for duplicates)', async () => {
    const topic = uniqueTopic('dedup-chunks');
    await admin.createTopic(topic);
    await admin.setTopicDeduplication(topic, true);
    expect(await eventually(() => admin.deduplicationEnabled(topic))).toBe(true);
    const consumer = await client.subscribe({ topic, subscription: 'check', initialPosition: 'earliest' });
    const producer = await client.createProducer({ topic, chunking: true, batching: { enabled: false } });
    const maxMessageSize = await brokerMaxMessageSize();
    const big = Buffer.alloc(Math.round(maxMessageSize * 2.5), 'd');
    const id = await producer.send({ payload: big });
    expect(id.entryId).toBeGreaterThanOrEqual(2); // the last of at least three chunks, stored
    await producer.send({ payload: Buffer.from('after') });
    const [joined, after] = await receiveN(consumer, 2);
    expect(joined!.payload.equals(big)).toBe(true);
    expect(after!.payload.toString()).toBe('after');
    await Promise.all([producer.close(), consumer.close()]);
  });
});

describe('broker-initiated closes', () => {
  it('reattaches producers and consumers when the topic is unloaded, and reports the state', async () => {
    const topic = uniqueTopic('unload');
    const states: string[] = [];
    const watched = new PulsarClient({
      serviceUrl: testBroker().brokerUrl,
      backoff: { initialMs: 50, maxMs: 500 },
    });
    watched.on('connected', () => states.push('connected'));
    watched.on('disconnected', () => states.push('disconnected'));
    const consumer = await watched.subscribe({ topic, subscription: 'sub', type: 'Shared' });
    const producer = await watched.createProducer({ topic });
    expect(watched.connected).toBe(true);
    await producer.send({ payload: Buffer.from('before') });
    await admin.unloadTopic(topic);
    expect(await eventually(() => states.includes('disconnected') && watched.connected)).toBe(true);
    await producer.send({ payload: Buffer.from('after') });
    const got = await receiveN(consumer, 2);
    expect(got.map((m) => m.payload.toString()).sort()).toEqual(['after', 'before']);
    expect(states.at(-1)).toBe('connected');
    await watched.close();
    expect(watched.connected).toBe(false);
  });
});
