import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { receiveN } from '../support/receive-n.ts';
import { runJavaTool } from '../support/run-java-tool.ts';
import { brokerMaxMessageSize, testBroker, uniqueTopic } from '../support/test-broker.ts';

// The Java client tools of the broker's own distribution are the reference implementation.
const hasJavaTools = testBroker().distribution !== undefined;
const FILLER = 'abcdefgh'.repeat(100);

let client: PulsarClient;
let admin: PulsarAdmin;
let payloadFile: string;

beforeAll(async () => {
  client = new PulsarClient({ serviceUrl: testBroker().brokerUrl });
  admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
  payloadFile = join(await mkdtemp(join(tmpdir(), 'knmesh-interop-')), 'payload.txt');
  await writeFile(payloadFile, `interop-%i-${FILLER}\n`);
});

afterAll(async () => {
  await client.close();
});

/** The Java client's `consume` of `count` messages from the earliest, as subscription "java". */
function javaConsume(topic: string, count: number, extra: readonly string[] = []): Promise<string> {
  const args = ['--url', testBroker().brokerUrl, 'consume', '-s', 'java', '-p', 'Earliest', '-n'];
  return runJavaTool('pulsar-client', [...args, String(count), ...extra, topic]);
}

describe.skipIf(!hasJavaTools)('interoperability with the Java client', () => {
  for (const compression of ['LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'] as const) {
    it(`consumes batches the Java client compressed with ${compression}`, async () => {
      const topic = uniqueTopic(`java-${compression.toLowerCase()}`);
      const count = 400;
      await runJavaTool('pulsar-perf', [
        'produce',
        '-u',
        testBroker().brokerUrl,
        '-m',
        String(count),
        '-r',
        '100000',
        '-z',
        compression,
        '-bm',
        '50',
        '-b',
        '10',
        '-f',
        payloadFile,
        '-fp',
        topic,
      ]);
      const stats = await admin.topicStats(topic);
      const stored = stats.msgInCounter ?? 0;
      // pulsar-perf may send a few more than asked; the broker's count is the truth.
      expect(stored).toBeGreaterThanOrEqual(count);
      // Compression really happened: the ledger holds far less than the raw payloads.
      expect(stats.storageSize ?? Infinity).toBeLessThan((stored * FILLER.length) / 10);
      const consumer = await client.subscribe({ topic, subscription: 'knmesh', initialPosition: 'earliest' });
      const received = await receiveN(consumer, stored);
      expect(received).toHaveLength(stored);
      // Every message the broker stored decodes to the payload pulsar-perf formatted.
      for (const m of received) {
        expect(m.payload.toString()).toMatch(new RegExp(`^interop-\\d+-${FILLER}$`));
        consumer.ack(m);
      }
      expect(await consumer.tryReceive(500)).toBeUndefined();
      // Exactly once each: a batch split that repeated one message and lost another would show here
      // (pulsar-perf's %i is not unique per message, so the ids are what can be checked).
      expect(new Set(received.map((m) => m.messageId.toString())).size).toBe(stored);
      expect(received.filter((m) => m.messageId.batchIndex >= 0).length).toBeGreaterThan(stored / 2);
      await consumer.close();
    });
  }

  it('joins messages the Java client split into chunks, and acknowledging one acknowledges every chunk', async () => {
    const topic = uniqueTopic('java-chunks');
    const maxMessageSize = await brokerMaxMessageSize();
    // Incompressible and larger than one entry may be: the Java producer splits it.
    const big = randomBytes(Math.round(maxMessageSize * 1.4));
    const file = join(await mkdtemp(join(tmpdir(), 'knmesh-chunks-')), 'big.bin');
    await writeFile(file, big);
    const consumer = await client.subscribe({ topic, subscription: 'knmesh', initialPosition: 'earliest' });
    await runJavaTool('pulsar-client', [
      '--url',
      testBroker().brokerUrl,
      'produce',
      '--chunking',
      '-f',
      file,
      '-n',
      '2',
      '-k',
      'the-key',
      '-p',
      'k1=v1',
      topic,
    ]);
    expect((await admin.topicStats(topic)).msgInCounter).toBeGreaterThanOrEqual(4); // two messages of two or more entries each
    const received = await receiveN(consumer, 2);
    for (const m of received) {
      expect(m.payload.equals(big)).toBe(true);
      expect(m.key).toBe('the-key');
      expect({ ...m.properties }).toEqual({ k1: 'v1' });
      consumer.ack(m);
    }
    await expect.poll(() => admin.backlog(topic, 'knmesh'), { timeout: 10_000 }).toBe(0);
    await consumer.close();
  });

  it('produces a message above the broker limit in chunks that the Java client joins', async () => {
    const topic = uniqueTopic('knmesh-chunks');
    const maxMessageSize = await brokerMaxMessageSize();
    const big = Buffer.from(`knmesh-chunked-${'z'.repeat(Math.round(maxMessageSize * 1.3))}`);
    const own = await client.subscribe({ topic, subscription: 'knmesh', initialPosition: 'earliest' });
    const consumed = javaConsume(topic, 1, ['--hide-content']);
    const producer = await client.createProducer({ topic, chunking: true, compression: 'lz4' });
    const plain = await client.createProducer({ topic, batching: { enabled: false } });
    // Compressed it would fit: incompressible bytes make it split.
    const random = randomBytes(Math.round(maxMessageSize * 1.3));
    await producer.send({ payload: random, key: 'k', properties: { p: 'v' } });
    await producer.send({ payload: big });
    await expect(plain.send({ payload: random })).rejects.toThrow(/exceeds the broker's maximum/);
    await Promise.all([producer.close(), plain.close()]);
    expect((await admin.topicStats(topic)).msgInCounter).toBeGreaterThanOrEqual(3); // more entries than messages
    expect(await consumed).toMatch(/1 messages successfully consumed/);
    const [first, second] = await receiveN(own, 2);
    expect(first!.payload.equals(random)).toBe(true);
    expect([first!.key, { ...first!.properties }]).toEqual(['k', { p: 'v' }]);
    expect(second!.payload.equals(big)).toBe(true);
    own.ack(first!);
    own.ack(second!);
    await expect.poll(() => admin.backlog(topic, 'knmesh'), { timeout: 10_000 }).toBe(0);
    await own.close();
  });

  it('consumes the key and properties of messages the Java client batched', async () => {
    const topic = uniqueTopic('java-props');
    const messages = Array.from({ length: 20 }, (_, i) => `java-${i}`);
    await runJavaTool('pulsar-client', [
      '--url',
      testBroker().brokerUrl,
      'produce',
      ...messages.flatMap((m) => ['-m', m]),
      '-k',
      'the-key',
      '-p',
      'k1=v1',
      '-p',
      'k2=v2',
      topic,
    ]);
    const consumer = await client.subscribe({ topic, subscription: 'knmesh', initialPosition: 'earliest' });
    const received = await receiveN(consumer, messages.length);
    expect(received.map((m) => m.payload.toString())).toEqual(messages);
    for (const m of received) {
      expect(m.key).toBe('the-key');
      expect({ ...m.properties }).toEqual({ k1: 'v1', k2: 'v2' });
      consumer.ack(m);
    }
    await consumer.close();
  });

  it('produces batches in every compression that the Java client consumes', async () => {
    const topic = uniqueTopic('to-java');
    const compressions = ['none', 'lz4', 'zlib', 'zstd', 'snappy'] as const;
    const expected: string[] = [];
    // The Java consumer's subscription must exist before the messages are produced... or start earliest.
    for (const compression of compressions) {
      const producer = await client.createProducer({
        topic,
        compression,
        batching: { maxMessages: 10, maxDelayMs: 50 },
      });
      const sends = Array.from({ length: 20 }, (_, i) => {
        const content = `${compression}-${i}-${'z'.repeat(200)}`;
        expected.push(
          `key:[k-${compression}-${i}], properties:[c=${compression}, i=${i}], content:${content}`,
        );
        return producer.send({
          payload: Buffer.from(content),
          key: `k-${compression}-${i}`,
          properties: { c: compression, i: String(i) },
        });
      });
      const ids = await Promise.all(sends);
      expect(ids.some((id) => id.batchIndex > 0)).toBe(true);
      await producer.close();
    }
    const output = await javaConsume(topic, expected.length);
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('publishTime:'))
      .map((l) => l.replace(/^publishTime:\[\d+\], eventTime:\[\d+\], /, ''));
    expect(lines.sort()).toEqual([...expected].sort());
  });
});
