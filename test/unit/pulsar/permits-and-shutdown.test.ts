import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../runtime/observability/create-logger.ts';
import { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { TopicConsumer } from '../../../runtime/pulsar/consumer/topic-consumer.ts';
import { PartitionProducer } from '../../../runtime/pulsar/producer/partition-producer.ts';
import { CommandEncoder } from '../../../runtime/pulsar/protocol/command-encoder.ts';
import { CompressionType } from '../../../runtime/pulsar/protocol/compression-type.ts';
import { FrameDecoder } from '../../../runtime/pulsar/protocol/frame-decoder.ts';
import { emptyMessageMetadata } from '../../../runtime/pulsar/protocol/message-metadata.ts';
import {
  parseMessagePayload,
  peekMessageCount,
} from '../../../runtime/pulsar/protocol/parse-message-payload.ts';
import { ProtobufReader } from '../../../runtime/pulsar/protocol/protobuf-reader.ts';

const timers = {
  now: () => Date.now(),
  setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
};

/** What the connection tells a registered producer or consumer. */
interface Handler {
  onBrokerClose(): void;
}

/**
 * A connection that records what the client writes and answers every request with success; it
 * keeps the registrations, and `beforeAnswer` runs before each answer (to play a broker's close).
 */
function fakeConnection(answerType: 13 | 17) {
  const writes: Buffer[] = [];
  const handlers = new Map<string, Handler>();
  let id = 1;
  const connection = {
    writes,
    handlers,
    beforeAnswer: (): void => undefined,
    encoder: new CommandEncoder(),
    maxMessageSize: 5 * 1024 * 1024,
    isClosed: false,
    newRequestId: () => id++,
    registerProducer: (n: number, h: Handler) => void handlers.set(`p${n}`, h),
    unregisterProducer: (n: number) => void handlers.delete(`p${n}`),
    holdsProducer: (n: number, h: Handler) => !connection.isClosed && handlers.get(`p${n}`) === h,
    registerConsumer: (n: number, h: Handler) => void handlers.set(`c${n}`, h),
    unregisterConsumer: (n: number) => void handlers.delete(`c${n}`),
    holdsConsumer: (n: number, h: Handler) => !connection.isClosed && handlers.get(`c${n}`) === h,
    write: (b: Buffer) => void writes.push(Buffer.from(b)),
    close: () => undefined,
    requests: 0,
    /** When set, answers wait for it. */
    gate: undefined as Promise<void> | undefined,
    request: async (_frame: Buffer, requestId: number) => {
      connection.requests++;
      await connection.gate;
      connection.beforeAnswer();
      return Promise.resolve(
        answerType === 17
          ? { type: 17, requestId, producerName: 'p', lastSequenceId: -1n, schemaVersion: undefined }
          : { type: 13, requestId },
      );
    },
  };
  return connection;
}

/** Plays the broker closing what is registered under `key` (CLOSE_PRODUCER / CLOSE_CONSUMER) once. */
function closeOnFirstAnswer(connection: ReturnType<typeof fakeConnection>, key: string): void {
  let done = false;
  connection.beforeAnswer = () => {
    if (done) return;
    done = true;
    const handler = connection.handlers.get(key);
    connection.handlers.delete(key); // as the connection does on CLOSE_PRODUCER / CLOSE_CONSUMER
    handler?.onBrokerClose();
  };
}

function fakeClient(connection: unknown) {
  let n = 0;
  return {
    timers,
    logger: silentLogger(),
    backoff: { initialMs: 10, maxMs: 100, jitter: 0 },
    operationTimeoutMs: 1000,
    connectionForTopic: () => Promise.resolve(connection as never),
    newProducerId: () => n++,
    newConsumerId: () => n++,
    attach: () => undefined,
    detach: () => undefined,
    stateChanged: () => undefined,
  };
}

/** A consumer with one topic part on `connection` (no acknowledgement grouping, no delays). */
function consumerOn(connection: unknown, settings: { subType: number; receiverQueueSize: number }) {
  const consumer = new Consumer({
    subscription: 's',
    timers,
    logger: silentLogger(),
    deadLetterPolicy: undefined,
    createDeadLetterProducer: () => Promise.reject(new Error('no dead letters here')),
  });
  const part = new TopicConsumer(fakeClient(connection), consumer, {
    topic: 'persistent://public/default/t',
    partition: -1,
    subscription: 's',
    initialPosition: 1,
    consumerName: undefined,
    batchIndexAck: false,
    ackGroupingMs: 0,
    nackRedeliveryDelayMs: 0,
    ackTimeoutMs: 0,
    ...settings,
  } as never);
  consumer.addPart(part);
  return { consumer, part };
}

/** A producer without batching or send timeout on a fake connection. */
function unbatchedProducer(connection: unknown, maxPendingMessages: number): PartitionProducer {
  return new PartitionProducer(fakeClient(connection), {
    topic: 'persistent://public/default/t',
    partition: -1,
    producerName: undefined,
    batchingEnabled: false,
    batchKeyBased: false,
    batchMaxMessages: 1,
    batchMaxBytes: 1,
    batchMaxDelayMs: 1,
    compression: CompressionType.NONE,
    sendTimeoutMs: 0,
    maxPendingMessages,
    initialSequenceId: undefined,
    properties: undefined,
  });
}

/** The part of a MESSAGE frame after the command, as the connection hands it to a consumer. */
function messagePayload(numMessagesInBatch: number | undefined): { frame: Buffer; offset: number } {
  const metadata = { ...emptyMessageMetadata(), producerName: 'p', numMessagesInBatch };
  const send = new CommandEncoder().send(
    { producerId: 0, sequenceId: 0n, numMessages: 1 },
    metadata,
    Buffer.from('x'),
  );
  const frame = send.subarray(4); // without the total-size prefix, as FrameDecoder delivers it
  return { frame, offset: 4 + frame.readUInt32BE(0) };
}

/** A MESSAGE frame for chunk `chunkId` (of 2) of message `uuid`, stored at entry `entryId` of ledger 7. */
function chunkFrame(uuid: string, chunkId: number, entryId: number, text: string) {
  const metadata = {
    ...emptyMessageMetadata(),
    producerName: 'p',
    properties: { origin: 'split' },
    chunk: { uuid, numChunksFromMsg: 2, totalChunkMsgSize: 6, chunkId },
  };
  const body = Buffer.from(text);
  const head = new CommandEncoder().send({ producerId: 0, sequenceId: 0n, numMessages: 1 }, metadata, body);
  const frame = Buffer.concat([head, body]).subarray(4); // send() gives the head; the payload follows
  return {
    command: {
      type: 9,
      consumerId: 0,
      messageId: { ledgerId: 7, entryId, partition: -1, batchIndex: -1 },
      redeliveryCount: 0,
    },
    frame,
    offset: 4 + frame.readUInt32BE(0),
  };
}

/** Entry ids of the MessageIdData (field `idField`) in the commands of BaseCommand field `commandField`. */
function entriesIn(writes: readonly Buffer[], commandField: number, idField: number): number[] {
  const entries: number[] = [];
  for (const w of writes) {
    const r = new ProtobufReader(w, 8, 8 + w.readUInt32BE(4));
    while (r.next()) {
      if (r.field !== commandField) {
        r.skip();
        continue;
      }
      const command = r.sub();
      while (command.next()) {
        if (command.field !== idField) {
          command.skip();
          continue;
        }
        const id = command.sub();
        while (id.next()) {
          if (id.field === 2) entries.push(id.varint());
          else id.skip();
        }
      }
    }
  }
  return entries;
}

/** Sum of the permits granted by the FLOW commands (BaseCommand field 11) among `writes`. */
function permitsGranted(writes: readonly Buffer[]): number {
  let total = 0;
  for (const w of writes) {
    const r = new ProtobufReader(w, 8, 8 + w.readUInt32BE(4));
    while (r.next()) {
      if (r.field !== 11) {
        r.skip();
        continue;
      }
      const flow = r.sub();
      while (flow.next()) {
        if (flow.field === 2) total += flow.varint();
        else flow.skip();
      }
    }
  }
  return total;
}

describe('permits and shutdown', () => {
  it('peekMessageCount reads a batch size without trusting the checksum', () => {
    const batch = messagePayload(10);
    expect(peekMessageCount(batch.frame, batch.offset)).toBe(10);
    const single = messagePayload(undefined);
    expect(peekMessageCount(single.frame, single.offset)).toBe(1);
    expect(peekMessageCount(Buffer.alloc(3), 0)).toBe(1);
  });

  it('a consumer gives back every permit of a stale batch, so Failover after a nack does not starve', async () => {
    const connection = fakeConnection(13);
    const { part } = consumerOn(connection, { subType: 2, receiverQueueSize: 10 });
    await part.start();
    part.redeliver([]); // Failover nack: redeliver all, new epoch
    const before = connection.writes.length;
    const { frame, offset } = messagePayload(10);
    for (let entry = 0; entry < 10; entry++) {
      part.onMessage(
        {
          type: 9,
          consumerId: 0,
          messageId: { ledgerId: 1, entryId: entry, partition: -1, batchIndex: -1 },
          redeliveryCount: 0,
          ackSet: undefined,
          consumerEpoch: 0,
        } as never,
        frame,
        offset,
      );
    }
    // The broker charged 100 permits for 10 stale batches of 10; all come back (in halves of the queue).
    expect(permitsGranted(connection.writes.slice(before))).toBe(100);
  });

  it('a producer the broker closes while creating it attaches again, instead of waiting on a dead registration', async () => {
    const connection = fakeConnection(17);
    closeOnFirstAnswer(connection, 'p0');
    const producer = unbatchedProducer(connection, 10);
    await producer.start();
    expect(connection.requests).toBe(2);
    expect(connection.holdsProducer(0, producer)).toBe(true);
    expect(producer.connected).toBe(true);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('a producer closed while it is being re-created is closed on the broker as well', async () => {
    const connection = fakeConnection(17);
    const producer = unbatchedProducer(connection, 10);
    await producer.start();
    let closesSent = 0;
    const encode = connection.encoder.closeProducer.bind(connection.encoder);
    connection.encoder.closeProducer = (id: number, requestId: number) => {
      closesSent++;
      return encode(id, requestId);
    };
    let open!: () => void;
    connection.gate = new Promise<void>((resolve) => (open = resolve));
    producer.onConnectionClosed(); // re-creation starts after the backoff and waits for its answer
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(connection.requests).toBe(2);
    await producer.close({ flushTimeoutMs: 20 });
    expect(closesSent).toBe(0); // not attached: nothing to close yet
    open();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(closesSent).toBe(1); // the broker created it after all: closed there too
    expect(connection.handlers.has('p0')).toBe(false);
  });

  it('a producer closing while it re-attaches flushes on the new connection', async () => {
    const connection = fakeConnection(17);
    const producer = unbatchedProducer(connection, 10);
    await producer.start();
    const sent = producer.send({ payload: Buffer.from('m0') });
    let open!: () => void;
    connection.gate = new Promise<void>((resolve) => (open = resolve));
    producer.onConnectionClosed();
    await new Promise((resolve) => setTimeout(resolve, 30)); // re-creation waits for its answer
    const started = Date.now();
    const closing = producer.close({ flushTimeoutMs: 5000 });
    const writesBefore = connection.writes.length;
    open();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(connection.writes.length).toBeGreaterThan(writesBefore); // the pending message is resent
    producer.onSendReceipt({
      type: 7,
      producerId: 0,
      sequenceId: 0n,
      messageId: { ledgerId: 1, entryId: 0 },
    } as never);
    await closing;
    await expect(sent).resolves.toBeDefined();
    expect(Date.now() - started).toBeLessThan(2000); // flushed, not the whole flush limit
  });

  it('a consumer the broker closes while subscribing subscribes again', async () => {
    const connection = fakeConnection(13);
    closeOnFirstAnswer(connection, 'c0');
    const { part } = consumerOn(connection, { subType: 2, receiverQueueSize: 10 });
    await part.start();
    expect(connection.requests).toBe(2);
    expect(connection.holdsConsumer(0, part)).toBe(true);
  });

  it('a Failover consumer told it is active during a subscribe that fails is told it is not', async () => {
    const connection = fakeConnection(13);
    let first = true;
    connection.beforeAnswer = () => {
      if (!first) return;
      first = false;
      // The broker picks the consumer as active, then unloads the topic before answering.
      const handler = connection.handlers.get('c0') as unknown as TopicConsumer;
      handler.onActiveConsumerChange(true);
      connection.handlers.delete('c0');
      handler.onBrokerClose();
    };
    const { consumer, part } = consumerOn(connection, { subType: 2, receiverQueueSize: 10 });
    const changes: boolean[] = [];
    consumer.on('activeChange', (_topic: string, active: boolean) => changes.push(active));
    await part.start();
    expect(connection.requests).toBe(2);
    // The second subscribe got no ACTIVE_CONSUMER_CHANGE: the first one's news is taken back.
    expect(changes).toEqual([true, false]);
    expect(part.active).toBe(false);
    expect(consumer.isActive).toBe(false);
  });

  it('joins a chunked message; a chunk that is no message gives its permit back; ack and nack cover every chunk', async () => {
    const connection = fakeConnection(13);
    // Shared: redelivery names the entries; a queue of 2: a FLOW for every permit given back.
    const { consumer, part } = consumerOn(connection, { subType: 1, receiverQueueSize: 2 });
    await part.start();
    const deliver = (f: ReturnType<typeof chunkFrame>): void =>
      part.onMessage(f.command as never, f.frame, f.offset);
    const granted = permitsGranted(connection.writes);
    deliver(chunkFrame('a', 0, 1, 'one'));
    deliver(chunkFrame('b', 0, 2, 'uno'));
    expect(permitsGranted(connection.writes) - granted).toBe(2); // two chunks, no message yet
    deliver(chunkFrame('a', 1, 3, 'two'));
    deliver(chunkFrame('b', 1, 4, 'dos'));
    const a = await consumer.receive();
    const b = await consumer.receive();
    expect([a.payload.toString(), b.payload.toString()]).toEqual(['onetwo', 'unodos']);
    expect([a.messageId.entryId, b.messageId.entryId]).toEqual([3n, 4n].map(Number));
    expect({ ...a.properties }).toEqual({ origin: 'split' });
    consumer.ack(a);
    expect(entriesIn(connection.writes, 10, 3).sort()).toEqual([1, 3]);
    consumer.nack(b);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(entriesIn(connection.writes, 20, 2).sort()).toEqual([2, 4]);
  });

  it('every send waiting for room in a full producer settles when the producer closes', async () => {
    const producer = unbatchedProducer(fakeConnection(17), 1);
    await producer.start();
    const outcomes = await Promise.allSettled([
      ...[0, 1, 2, 3].map((i) => producer.send({ payload: Buffer.from(`m${i}`) })),
      producer.close({ flushTimeoutMs: 20 }).then(() => 'closed'),
    ]);
    expect(outcomes.slice(0, 4).map((o) => o.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
  });

  it('the frame limit follows the broker: larger frames pass once it is raised', () => {
    const frames: number[] = [];
    const decoder = new FrameDecoder(5 * 1024 * 1024 + 64 * 1024, (f) => void frames.push(f.length));
    const size = Buffer.alloc(4);
    size.writeUInt32BE(8 * 1024 * 1024);
    expect(() => decoder.push(size)).toThrow('exceeds the maximum');
    const raised = new FrameDecoder(5 * 1024 * 1024, (f) => void frames.push(f.length));
    raised.maxFrameSize = 16 * 1024 * 1024 + 64 * 1024;
    raised.push(Buffer.concat([size, Buffer.alloc(8 * 1024 * 1024)]));
    expect(frames).toEqual([8 * 1024 * 1024]);
  });
});

describe('send errors from the broker (as the Java client handles them)', () => {
  const SERVER_ERROR = { PersistenceError: 2, TopicTerminatedError: 15, NotAllowedError: 22 } as const;

  async function producerWithThreeSends() {
    const connection = fakeConnection(17);
    let closes = 0;
    connection.close = () => void closes++;
    const producer = unbatchedProducer(connection, 100);
    await producer.start();
    const sends = [0, 1, 2].map((i) => producer.send({ payload: Buffer.from(`m${i}`) }));
    const outcomes = Promise.allSettled(sends);
    await new Promise((resolve) => setImmediate(resolve));
    const error = (name: keyof typeof SERVER_ERROR, sequenceId: bigint) =>
      producer.onSendError({ type: 8, producerId: 0, sequenceId, error: SERVER_ERROR[name], message: name });
    const receipt = (sequenceId: bigint) =>
      producer.onSendReceipt({
        type: 7,
        producerId: 0,
        sequenceId,
        messageId: { ledgerId: 5, entryId: Number(sequenceId) },
      } as never);
    return { producer, outcomes, error, receipt, closes: () => closes };
  }

  it('NotAllowedError fails only the message with that sequence id; the others are stored', async () => {
    const { producer, outcomes, error, receipt, closes } = await producerWithThreeSends();
    receipt(0n);
    error('NotAllowedError', 1n);
    receipt(2n);
    const settled = await outcomes;
    expect(settled.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((settled[1] as PromiseRejectedResult).reason)).toContain('NotAllowedError');
    expect(closes()).toBe(0);
    expect(producer.pendingMessages).toBe(0);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('NotAllowedError for a message behind the head fails only that one, without reconnecting', async () => {
    const { producer, outcomes, error, receipt, closes } = await producerWithThreeSends();
    error('NotAllowedError', 1n); // refused before message 0 is stored
    error('NotAllowedError', 7n); // no such message: nothing happens
    receipt(0n);
    receipt(2n);
    const settled = await outcomes;
    expect(settled.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(closes()).toBe(0);
    expect(producer.pendingMessages).toBe(0);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('TopicTerminatedError fails everything pending', async () => {
    const { producer, outcomes, error, receipt } = await producerWithThreeSends();
    receipt(0n);
    error('TopicTerminatedError', 1n);
    const settled = await outcomes;
    expect(settled.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('a retryable error reconnects to resend instead of failing anything', async () => {
    const { producer, error, closes } = await producerWithThreeSends();
    error('PersistenceError', 0n);
    expect(closes()).toBe(1);
    expect(producer.pendingMessages).toBe(3);
    await producer.close({ flushTimeoutMs: 20 }).catch(() => undefined);
  });
});

describe('producing chunks (a message above the broker maxMessageSize)', () => {
  /** The SEND frames written so far (each head is followed by its payload), read back. */
  function sentFrames(writes: readonly Buffer[]) {
    const frames = [];
    for (let i = 0; i + 1 < writes.length; i += 2) {
      const frame = Buffer.concat([writes[i]!, writes[i + 1]!]).subarray(4);
      const parsed = parseMessagePayload(frame, 4 + frame.readUInt32BE(0))!;
      frames.push({ metadata: parsed.metadata, payload: Buffer.from(parsed.payload) });
    }
    return frames;
  }

  async function chunkingProducer() {
    const connection = fakeConnection(17);
    connection.maxMessageSize = 2000;
    const producer = new PartitionProducer(fakeClient(connection), {
      topic: 'persistent://public/default/t',
      partition: -1,
      producerName: undefined,
      batchingEnabled: true,
      batchKeyBased: false,
      batchMaxMessages: 100,
      batchMaxBytes: 100_000,
      batchMaxDelayMs: 60_000, // batches leave only when something flushes them
      compression: CompressionType.NONE,
      sendTimeoutMs: 0,
      maxPendingMessages: 10,
      initialSequenceId: undefined,
      properties: undefined,
      chunking: true,
    });
    await producer.start();
    const receipt = (sequenceId: bigint, entryId: number) =>
      producer.onSendReceipt({
        type: 7,
        producerId: 0,
        sequenceId,
        messageId: { ledgerId: 5, entryId },
      } as never);
    return { connection, producer, receipt };
  }

  it('leaves after what is batched, as chunks of one sequence id, settled by the last receipt', async () => {
    const { connection, producer, receipt } = await chunkingProducer();
    const small = producer.send({ payload: Buffer.from('small') });
    const big = Buffer.from('0123456789'.repeat(450));
    const sent = producer.send({ payload: big, key: 'k', properties: { origin: 'test' } });
    await new Promise((resolve) => setImmediate(resolve));
    const frames = sentFrames(connection.writes);
    expect(frames[0]!.payload.toString()).toBe('small'); // flushed first: the order stays
    expect(frames[0]!.metadata.chunk).toBeUndefined();
    const chunks = frames.slice(1);
    expect(chunks.length).toBeGreaterThan(2);
    expect(Buffer.concat(chunks.map((c) => c.payload)).equals(big)).toBe(true);
    // SEND's is_chunk (field 7): the broker then skips de-duplication for all but the last chunk.
    const isChunkFlags = [];
    for (let i = 0; i < connection.writes.length; i += 2) {
      const head = connection.writes[i]!;
      const r = new ProtobufReader(head, 8, 8 + head.readUInt32BE(4));
      let flag = false;
      while (r.next()) {
        if (r.field !== 6) {
          r.skip();
          continue;
        }
        const send = r.sub();
        while (send.next()) {
          if (send.field === 7) flag = send.varint() === 1;
          else send.skip();
        }
      }
      isChunkFlags.push(flag);
    }
    expect(isChunkFlags).toEqual([false, ...chunks.map(() => true)]);
    chunks.forEach((c, i) => {
      expect(c.payload.length).toBeLessThan(2000);
      expect(c.metadata.sequenceId).toBe(1n);
      expect(c.metadata.partitionKey).toBe('k');
      expect({ ...c.metadata.properties }).toEqual({ origin: 'test' });
      expect(c.metadata.chunk).toEqual({
        uuid: `${producer.producerName}-1`,
        numChunksFromMsg: chunks.length,
        totalChunkMsgSize: big.length,
        chunkId: i,
      });
    });
    receipt(0n, 10);
    expect((await small).entryId).toBe(10);
    let settled = false;
    void sent.then(() => (settled = true));
    for (let i = 0; i < chunks.length - 1; i++) receipt(1n, 11 + i);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    receipt(1n, 11 + chunks.length - 1);
    expect((await sent).entryId).toBe(11 + chunks.length - 1); // the last chunk's entry, as consumers see it
    expect(producer.pendingMessages).toBe(0);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('NotAllowedError for a chunked message fails it and takes every chunk out of the queue', async () => {
    const { connection, producer, receipt } = await chunkingProducer();
    const big = producer.send({ payload: Buffer.alloc(5000, 'x') });
    const after = producer.send({ payload: Buffer.alloc(5000, 'y') });
    await new Promise((resolve) => setImmediate(resolve));
    const per = sentFrames(connection.writes).length / 2;
    producer.onSendError({ type: 8, producerId: 0, sequenceId: 0n, error: 22, message: 'NotAllowedError' });
    await expect(big).rejects.toThrow(/NotAllowedError/);
    for (let i = 0; i < per; i++) receipt(1n, 20 + i);
    expect((await after).entryId).toBe(20 + per - 1);
    expect(producer.pendingMessages).toBe(0);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('a message whose properties leave no room for its payload in an entry is refused', async () => {
    const { producer } = await chunkingProducer();
    const properties = { big: 'p'.repeat(400) }; // three quarters of an entry of 2000 bytes, counted as UTF-8
    await expect(producer.send({ payload: Buffer.alloc(3000), properties })).rejects.toThrow(
      /leaves no room/,
    );
    expect(producer.pendingMessages).toBe(0);
    await producer.close({ flushTimeoutMs: 20 });
  });

  it('without chunking, a message above maxMessageSize is refused', async () => {
    const connection = fakeConnection(17);
    connection.maxMessageSize = 2000;
    const producer = unbatchedProducer(connection, 10);
    await producer.start();
    await expect(producer.send({ payload: Buffer.alloc(2001) })).rejects.toThrow(
      /exceeds the broker's maximum/,
    );
    await producer.close({ flushTimeoutMs: 20 });
  });
});
