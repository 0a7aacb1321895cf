import type { KnmeshError } from '../../errors/knmesh-error.ts';
import type { ClientContext } from '../client-context.ts';
import { compressPayload } from '../compression/compression-codec.ts';
import type { ProducerHandler } from '../connection/connection-handlers.ts';
import type { PulsarConnection } from '../connection/pulsar-connection.ts';
import { CommandEncoder } from '../protocol/command-encoder.ts';
import { closeOnBroker } from '../connection/close-on-broker.ts';
import { ReconnectLoop } from '../connection/reconnect-loop.ts';
import { MessageId } from '../message-id.ts';
import { PulsarErrors, serverError } from '../pulsar-errors.ts';
import { CommandType } from '../protocol/command-type.ts';
import { CompressionType } from '../protocol/compression-type.ts';
import { serverErrorName } from '../protocol/server-error.ts';
import type { IncomingCommand } from '../protocol/incoming-command.ts';
import { emptyMessageMetadata, writeProperties, type MessageMetadata } from '../protocol/message-metadata.ts';
import { ProtobufWriter } from '../protocol/protobuf-writer.ts';
import type { ProducerMessage } from './producer-options.ts';

export interface PartitionProducerSettings {
  readonly topic: string;
  readonly partition: number;
  readonly producerName: string | undefined;
  readonly batchingEnabled: boolean;
  /** One batch per key (ordering key, else key) in each batching window, for Key_Shared consumers. */
  readonly batchKeyBased: boolean;
  readonly batchMaxMessages: number;
  readonly batchMaxBytes: number;
  readonly batchMaxDelayMs: number;
  readonly compression: CompressionType;
  readonly sendTimeoutMs: number;
  readonly maxPendingMessages: number;
  readonly initialSequenceId: bigint | undefined;
  readonly properties: Record<string, string> | undefined;
  /** Split messages above the broker's maxMessageSize into chunks (ProducerOptions.chunking). */
  readonly chunking?: boolean;
}

interface PendingMessage {
  readonly message: ProducerMessage;
  readonly sequenceId: bigint;
  readonly resolve: (id: MessageId) => void;
  readonly reject: (error: Error) => void;
}

/**
 * One SEND frame awaiting its receipt; kept until then so it can be resent after a reconnect. The
 * chunks of a split message are ops of their own with the message's sequence id: only the last one
 * carries the message (and settles it).
 */
interface SendOp {
  readonly sequenceId: bigint;
  readonly highestSequenceId: bigint;
  readonly batched: boolean;
  readonly head: Buffer;
  readonly payload: Buffer;
  readonly messages: PendingMessage[];
  readonly createdAt: number;
}

/** Room left in an entry for the metadata of a chunk (beyond its properties and keys). */
const CHUNK_METADATA_ROOM = 1024;

/**
 * A producer on one topic or one partition: batching, compression, sequence ids, the pending
 * queue (bounded: `send` waits when it is full), send timeouts, and resending everything not yet
 * acknowledged, in order and with the same sequence ids, after a reconnect.
 */
export class PartitionProducer implements ProducerHandler {
  readonly settings: PartitionProducerSettings;
  private readonly client: ClientContext;
  private readonly producerId: number;
  private readonly loop: ReconnectLoop;
  private connection: PulsarConnection | undefined;
  private state: 'connecting' | 'ready' | 'closing' | 'closed' = 'connecting';
  private failure: KnmeshError | undefined;
  private name: string | undefined;
  private epoch = 0;
  private nextSequenceId = 0n;
  private lastPublished = -1n;
  private sequenceInitialised = false;
  private readonly ops: SendOp[] = [];
  private opsHead = 0;
  private batch: PendingMessage[] = [];
  private batchBytes = 0;
  private batchTimer: unknown;
  private timeoutTimer: unknown;
  private pendingCount = 0;
  private readonly waiters: (() => void)[] = [];
  private flushWaiters: { until: number; resolve: () => void }[] = [];
  private sentCount = 0;
  private settledCount = 0;
  /** Frames do not depend on the connection, so they are built even while reconnecting. */
  private readonly encoder = new CommandEncoder();
  private readonly writer = new ProtobufWriter(256 * 1024);
  private readonly metadata: MessageMetadata = emptyMessageMetadata();
  private knownMaxMessageSize = 5 * 1024 * 1024;

  constructor(client: ClientContext, settings: PartitionProducerSettings) {
    this.client = client;
    this.settings = settings;
    this.producerId = client.newProducerId();
    this.name = settings.producerName;
    this.loop = new ReconnectLoop({
      what: `producer on ${settings.topic}`,
      backoff: client.backoff,
      timers: client.timers,
      logger: client.logger,
      firstAttemptTimeoutMs: client.operationTimeoutMs,
      // Another producer holds this name: fail creation at once, but retry after a reconnect.
      fatalAtStart: (error) => error.details?.['serverError'] === 'ProducerBusy',
      attempt: () => this.attach(),
      onFatal: (error) => this.fail(error),
    });
  }

  get connected(): boolean {
    return this.state === 'ready';
  }

  get producerName(): string {
    return this.name ?? '';
  }

  /** The highest sequence id the broker has acknowledged (or reported at creation); -1 if none. */
  get lastSequenceId(): bigint {
    return this.lastPublished;
  }

  get pendingMessages(): number {
    return this.pendingCount;
  }

  async start(): Promise<void> {
    try {
      await this.loop.start();
    } catch (error) {
      this.loop.stop();
      this.state = 'closed';
      this.client.detach(this);
      throw error;
    }
    // Counted in client.connected only once created: creating is not a disconnection.
    this.client.attach(this);
    this.scheduleSendTimeoutCheck();
  }

  private async attach(): Promise<void> {
    const connection = await this.client.connectionForTopic(this.settings.topic);
    if (this.state === 'closed') return;
    const requestId = connection.newRequestId();
    connection.registerProducer(this.producerId, this);
    let answer: IncomingCommand;
    try {
      answer = await connection.request(
        connection.encoder.producer({
          topic: this.settings.topic,
          producerId: this.producerId,
          requestId,
          producerName: this.name,
          userProvidedProducerName: this.settings.producerName !== undefined,
          epoch: this.epoch++,
          metadata: this.settings.properties,
        }),
        requestId,
        `creating a producer on ${this.settings.topic}`,
      );
    } catch (error) {
      connection.unregisterProducer(this.producerId);
      throw error;
    }
    if (answer.type === CommandType.ERROR) {
      connection.unregisterProducer(this.producerId);
      throw serverError(answer.error, answer.message, `creating a producer on ${this.settings.topic}`);
    }
    if (answer.type !== CommandType.PRODUCER_SUCCESS) {
      connection.unregisterProducer(this.producerId);
      throw PulsarErrors.protocolError.create(`unexpected answer ${answer.type} to PRODUCER`);
    }
    if ((this.state as string) === 'closed') {
      // Closed while being created: the broker has it now, and keeping it would keep its name busy.
      closeOnBroker(connection, connection.encoder.closeProducer.bind(connection.encoder), this.producerId);
      connection.unregisterProducer(this.producerId);
      return;
    }
    if (!connection.holdsProducer(this.producerId, this)) {
      // The broker closed the producer (a topic unload) or the connection ended while it was being
      // created; that news came before this answer and was dropped. Ready on it, the producer would
      // never hear of the connection again and its sends would wait forever: attach anew.
      throw PulsarErrors.connectionFailed.create(
        `creating a producer on ${this.settings.topic}: ${connection.isClosed ? 'the connection ended' : 'the broker closed it'} while it was being created`,
      );
    }
    this.name = answer.producerName;
    if (!this.sequenceInitialised) {
      this.sequenceInitialised = true;
      const initial = this.settings.initialSequenceId ?? answer.lastSequenceId;
      this.nextSequenceId = initial + 1n;
      this.lastPublished = answer.lastSequenceId > initial ? answer.lastSequenceId : initial;
    }
    this.connection = connection;
    if ((this.state as string) === 'closing') {
      // close() is flushing: let it flush on this connection, and close the producer on it.
      this.resendPending();
      return;
    }
    this.state = 'ready';
    this.client.stateChanged();
    this.resendPending();
  }

  private resendPending(): void {
    const connection = this.connection!;
    for (let i = this.opsHead; i < this.ops.length; i++) {
      const op = this.ops[i]!;
      connection.write(op.head);
      connection.write(op.payload);
    }
  }

  send(message: ProducerMessage): Promise<MessageId> {
    if (this.state === 'closed' || this.state === 'closing') {
      return Promise.reject(
        this.failure ?? PulsarErrors.producerClosed.create(`producer on ${this.settings.topic} is closed`),
      );
    }
    const maxSize = this.maxMessageSize;
    if (message.payload.length > maxSize && this.settings.chunking !== true) {
      return Promise.reject(
        PulsarErrors.messageTooLarge.create(
          `message of ${message.payload.length} bytes exceeds the broker's maximum of ${maxSize} bytes`,
        ),
      );
    }
    if (this.pendingCount < this.settings.maxPendingMessages && this.waiters.length === 0) {
      this.pendingCount++;
      return this.enqueue(message);
    }
    // Backpressure: wait for a slot; release() hands the slot over already counted.
    return new Promise<void>((resolve) => this.waiters.push(resolve)).then(() => {
      if (this.state === 'closed') {
        // Give the slot back and wake the next waiter, which fails the same way: every send
        // waiting for room settles, not just as many as were pending when the producer closed.
        this.release(1);
        throw (
          this.failure ?? PulsarErrors.producerClosed.create(`producer on ${this.settings.topic} is closed`)
        );
      }
      return this.enqueue(message);
    });
  }

  /** Queues a message whose pending slot is already counted. */
  private enqueue(message: ProducerMessage): Promise<MessageId> {
    return new Promise<MessageId>((resolve, reject) => {
      let sequenceId: bigint;
      if (message.sequenceId !== undefined) {
        sequenceId = BigInt(message.sequenceId);
        if (sequenceId >= this.nextSequenceId) this.nextSequenceId = sequenceId + 1n;
      } else {
        sequenceId = this.nextSequenceId++;
      }
      const pending: PendingMessage = { message, sequenceId, resolve, reject };
      if (
        this.settings.chunking === true &&
        message.payload.length > this.maxMessageSize >>> 1 && // cheap test first: the hot path
        message.payload.length > this.chunkSizeFor(message)
      ) {
        // Outside any batch, after what is batched so far: the order stays.
        this.flushBatch();
        this.pushChunks(pending);
        return;
      }
      if (!this.settings.batchingEnabled) {
        this.pushOp(this.buildSingle(pending));
        return;
      }
      if (this.batch.length > 0 && this.batchBytes + message.payload.length > this.settings.batchMaxBytes) {
        this.flushBatch();
      }
      this.batch.push(pending);
      this.batchBytes += message.payload.length;
      if (
        this.batch.length >= this.settings.batchMaxMessages ||
        this.batchBytes >= this.settings.batchMaxBytes
      ) {
        this.flushBatch();
      } else if (this.batch.length === 1) {
        this.batchTimer = this.client.timers.setTimeout(
          () => this.flushBatch(),
          this.settings.batchMaxDelayMs,
        );
      }
    });
  }

  /** Sends the open batch now. */
  flushBatch(): void {
    if (this.batchTimer !== undefined) {
      this.client.timers.clearTimeout(this.batchTimer);
      this.batchTimer = undefined;
    }
    const messages = this.batch;
    if (messages.length === 0) return;
    this.batch = [];
    this.batchBytes = 0;
    if (!this.settings.batchKeyBased) {
      this.pushOp(this.buildOp(messages));
      return;
    }
    // Key_Shared dispatches a whole entry by its first key, so every key gets its own batch.
    const groups = new Map<string, PendingMessage[]>();
    for (const pending of messages) {
      const { orderingKey, key } = pending.message;
      const group = orderingKey === undefined ? `k${key ?? ''}` : `o${orderingKey.toString('latin1')}`;
      const list = groups.get(group);
      if (list === undefined) groups.set(group, [pending]);
      else list.push(pending);
    }
    for (const group of groups.values()) this.pushOp(this.buildOp(group));
  }

  /** A batch of one goes out as a plain message, as the Java client does. */
  private buildOp(messages: PendingMessage[]): SendOp {
    return messages.length === 1 ? this.buildSingle(messages[0]!) : this.buildBatch(messages);
  }

  private pushOp(op: SendOp): void {
    this.ops.push(op);
    this.sentCount += op.messages.length;
    if (this.state === 'ready') {
      this.connection!.write(op.head);
      this.connection!.write(op.payload);
    }
  }

  /** The broker's limit, as the last connection announced it (kept while reconnecting). */
  private get maxMessageSize(): number {
    if (this.connection !== undefined) this.knownMaxMessageSize = this.connection.maxMessageSize;
    return this.knownMaxMessageSize;
  }

  /** Payload bytes one entry can take next to this message's metadata. */
  private chunkSizeFor(message: ProducerMessage): number {
    let room = CHUNK_METADATA_ROOM + (message.key?.length ?? 0) * 3 + (message.orderingKey?.length ?? 0) * 3;
    for (const name in message.properties) room += (name.length + message.properties[name]!.length) * 3 + 8;
    return this.maxMessageSize - room;
  }

  /**
   * Sends a message too large for one entry as chunks (PIP-37, as the Java client): compressed
   * first, then split; every chunk has the message's metadata and sequence id, plus `uuid`
   * (`<producer name>-<sequence id>`), its index, their number and the whole compressed size.
   * A message that fits once compressed goes out whole.
   */
  private pushChunks(pending: PendingMessage): void {
    const msg = pending.message;
    const m = this.singleMetadata(pending);
    const payload = this.compress(m, msg.payload);
    const size = this.chunkSizeFor(msg);
    if (size < this.maxMessageSize / 4 && payload.length > size) {
      // Properties and keys leave (almost) no room in an entry: refuse, as the Java client does.
      this.release(1);
      pending.reject(
        PulsarErrors.messageTooLarge.create(
          `the metadata of a message (properties, keys) leaves no room for its payload in entries of ${this.maxMessageSize} bytes`,
        ),
      );
      return;
    }
    const count = Math.max(1, Math.ceil(payload.length / size));
    const uuid = `${this.name ?? ''}-${pending.sequenceId}`;
    const createdAt = this.client.timers.now();
    for (let i = 0; i < count; i++) {
      const part =
        count === 1 ? payload : payload.subarray(i * size, Math.min(payload.length, (i + 1) * size));
      m.chunk =
        count === 1
          ? undefined
          : { uuid, numChunksFromMsg: count, totalChunkMsgSize: payload.length, chunkId: i };
      const head = this.encoder.send(
        { producerId: this.producerId, sequenceId: pending.sequenceId, numMessages: 1, isChunk: count > 1 },
        m,
        part,
      );
      this.pushOp({
        sequenceId: pending.sequenceId,
        highestSequenceId: pending.sequenceId,
        batched: false,
        head,
        payload: part,
        messages: i === count - 1 ? [pending] : [],
        createdAt,
      });
    }
    m.chunk = undefined;
  }

  /** The metadata of one message sent on its own (whole, or as chunks). */
  private singleMetadata(pending: PendingMessage): MessageMetadata {
    const msg = pending.message;
    const m = this.prepareMetadata(pending.sequenceId);
    if (msg.properties !== undefined) m.properties = msg.properties;
    if (msg.key !== undefined) m.partitionKey = msg.key;
    if (msg.orderingKey !== undefined) m.orderingKey = toBuffer(msg.orderingKey);
    if (msg.eventTime !== undefined) m.eventTime = toMillis(msg.eventTime);
    return m;
  }

  private prepareMetadata(sequenceId: bigint): MessageMetadata {
    const m = this.metadata;
    m.producerName = this.name!;
    m.sequenceId = sequenceId;
    m.publishTime = this.client.timers.now();
    m.properties = undefined;
    m.partitionKey = undefined;
    m.orderingKey = undefined;
    m.eventTime = 0;
    m.numMessagesInBatch = undefined;
    m.highestSequenceId = undefined;
    m.compression = CompressionType.NONE;
    m.uncompressedSize = 0;
    m.chunk = undefined;
    return m;
  }

  private compress(m: MessageMetadata, payload: Buffer): Buffer {
    const type = this.settings.compression;
    if (type === CompressionType.NONE || payload.length === 0) return payload;
    m.compression = type;
    m.uncompressedSize = payload.length;
    return compressPayload(type, payload);
  }

  private buildSingle(pending: PendingMessage): SendOp {
    const msg = pending.message;
    const m = this.singleMetadata(pending);
    const payload = this.compress(m, msg.payload);
    const head = this.encoder.send(
      { producerId: this.producerId, sequenceId: pending.sequenceId, numMessages: 1 },
      m,
      payload,
    );
    return {
      sequenceId: pending.sequenceId,
      highestSequenceId: pending.sequenceId,
      batched: false,
      head,
      payload,
      messages: [pending],
      createdAt: this.client.timers.now(),
    };
  }

  private buildBatch(messages: PendingMessage[]): SendOp {
    const w = this.writer;
    w.reset();
    let lowest = messages[0]!.sequenceId;
    let highest = lowest;
    for (const pending of messages) {
      const msg = pending.message;
      if (pending.sequenceId < lowest) lowest = pending.sequenceId;
      if (pending.sequenceId > highest) highest = pending.sequenceId;
      w.ensure(4);
      const sizeAt = w.pos;
      w.pos += 4;
      // SingleMessageMetadata, written inline (hot path).
      if (msg.properties !== undefined) writeProperties(w, 1, msg.properties);
      if (msg.key !== undefined) w.fieldString(2, msg.key);
      w.fieldVarint(3, msg.payload.length);
      if (msg.eventTime !== undefined) w.fieldVarint(5, toMillis(msg.eventTime));
      if (msg.orderingKey !== undefined) w.fieldBytes(7, toBuffer(msg.orderingKey));
      w.fieldBig(8, pending.sequenceId);
      w.buf.writeUInt32BE(w.pos - sizeAt - 4, sizeAt);
      w.ensure(msg.payload.length);
      w.buf.set(msg.payload, w.pos);
      w.pos += msg.payload.length;
    }
    const m = this.prepareMetadata(lowest);
    m.numMessagesInBatch = messages.length;
    // The broker dispatches a batch on Key_Shared by the keys of its metadata: the first message's,
    // as the Java client writes them.
    const first = messages[0]!.message;
    if (first.key !== undefined) m.partitionKey = first.key;
    if (first.orderingKey !== undefined) m.orderingKey = toBuffer(first.orderingKey);
    m.highestSequenceId = highest;
    const raw = w.buf.subarray(0, w.pos);
    const payload = this.settings.compression === CompressionType.NONE ? w.copy() : this.compress(m, raw);
    const head = this.encoder.send(
      {
        producerId: this.producerId,
        sequenceId: lowest,
        highestSequenceId: highest,
        numMessages: messages.length,
      },
      m,
      payload,
    );
    return {
      sequenceId: lowest,
      highestSequenceId: highest,
      batched: true,
      head,
      payload,
      messages,
      createdAt: this.client.timers.now(),
    };
  }

  onSendReceipt(command: Extract<IncomingCommand, { type: 7 }>): void {
    const op = this.ops[this.opsHead];
    if (op === undefined) return;
    if (command.sequenceId < op.sequenceId) return; // a receipt for something resent and already settled
    if (command.sequenceId > op.sequenceId) {
      this.client.logger.warn(
        { topic: this.settings.topic, got: String(command.sequenceId), expected: String(op.sequenceId) },
        'pulsar: out-of-order send receipt, reconnecting to resend',
      );
      this.connection?.close();
      return;
    }
    this.shiftOp();
    const id = command.messageId;
    const ledgerId = id?.ledgerId ?? -1;
    const entryId = id?.entryId ?? -1;
    const n = op.messages.length;
    if (op.highestSequenceId > this.lastPublished) this.lastPublished = op.highestSequenceId;
    for (let i = 0; i < n; i++) {
      op.messages[i]!.resolve(
        new MessageId(ledgerId, entryId, this.settings.partition, op.batched ? i : -1, op.batched ? n : 0),
      );
    }
    this.settledCount += n;
    this.release(n);
  }

  /**
   * As the Java client: NotAllowedError refuses one message and the broker goes on with the next, so
   * only the op with that sequence id fails — wherever it is in the queue (the broker refuses some
   * sends, e.g. over a topic's size policy, before earlier ones are stored) and nothing else happens
   * when no op has it; other errors the client cannot retry fail everything pending
   * (TopicTerminated and the like); the rest reconnect and resend.
   */
  onSendError(command: Extract<IncomingCommand, { type: 8 }>): void {
    const error = serverError(command.error, command.message, `sending to ${this.settings.topic}`);
    if (serverErrorName(command.error) === 'NotAllowedError') {
      this.failOne(command.sequenceId, error);
      return;
    }
    if (!error.retryable) {
      this.failPending(error);
      return;
    }
    this.client.logger.warn({ err: error }, 'pulsar: send failed, reconnecting to resend');
    this.connection?.close();
  }

  /**
   * Fails the pending op of one sequence id (its lowest or highest) and takes it out of the queue —
   * every chunk of it, for a message sent in chunks.
   */
  private failOne(sequenceId: bigint, error: Error): void {
    let found = false;
    for (let i = this.opsHead; i < this.ops.length;) {
      const op = this.ops[i]!;
      if (op.sequenceId !== sequenceId && op.highestSequenceId !== sequenceId) {
        if (found) break; // the chunks of one message are consecutive
        i++;
        continue;
      }
      found = true;
      if (i === this.opsHead) {
        this.shiftOp();
        i = this.opsHead;
      } else this.ops.splice(i, 1);
      for (const m of op.messages) m.reject(error);
      this.settledCount += op.messages.length;
      this.release(op.messages.length);
    }
    if (!found)
      this.client.logger.warn({ err: error }, 'pulsar: send refused for a message no longer pending');
  }

  onBrokerClose(): void {
    this.connectionLost();
  }

  onConnectionClosed(): void {
    this.connectionLost();
  }

  private connectionLost(): void {
    this.connection = undefined;
    if (this.state !== 'ready') return;
    this.state = 'connecting';
    this.client.stateChanged();
    this.loop.reconnect();
  }

  private shiftOp(): void {
    this.ops[this.opsHead++] = undefined as unknown as SendOp;
    if (this.opsHead > 1024 && this.opsHead * 2 > this.ops.length) {
      this.ops.splice(0, this.opsHead);
      this.opsHead = 0;
    }
  }

  private release(n: number): void {
    this.pendingCount -= n;
    while (this.waiters.length > 0 && this.pendingCount < this.settings.maxPendingMessages) {
      this.pendingCount++; // the slot passes to the waiter
      this.waiters.shift()!();
    }
    if (this.flushWaiters.length > 0) {
      const settled = this.settledCount;
      this.flushWaiters = this.flushWaiters.filter((w) => {
        if (settled < w.until) return true;
        w.resolve();
        return false;
      });
    }
  }

  private failPending(error: Error): void {
    const ops = this.ops.splice(this.opsHead);
    this.ops.length = 0;
    this.opsHead = 0;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    let n = 0;
    for (const op of ops) {
      for (const m of op.messages) m.reject(error);
      n += op.messages.length;
    }
    this.settledCount += n;
    for (const m of batch) m.reject(error);
    this.release(n + batch.length);
  }

  private scheduleSendTimeoutCheck(): void {
    const timeout = this.settings.sendTimeoutMs;
    if (timeout <= 0 || this.state === 'closed') return;
    this.timeoutTimer = this.client.timers.setTimeout(
      () => {
        const head = this.ops[this.opsHead];
        if (head !== undefined && this.client.timers.now() - head.createdAt >= timeout) {
          // Like the Java client: everything pending fails, keeping sequence ids in order.
          this.failPending(
            PulsarErrors.timeout.create(
              `messages to ${this.settings.topic} were not acknowledged by the broker within ${timeout} ms`,
            ),
          );
        }
        this.scheduleSendTimeoutCheck();
      },
      Math.max(10, Math.min(timeout, 1000)),
    );
    (this.timeoutTimer as { unref?: () => void }).unref?.();
  }

  /** Sends the open batch and resolves when every message sent so far is acknowledged (or failed). */
  flush(): Promise<void> {
    this.flushBatch();
    const until = this.sentCount;
    if (this.settledCount >= until) return Promise.resolve();
    return new Promise<void>((resolve) => this.flushWaiters.push({ until, resolve }));
  }

  /** Ends the producer for good; it stays counted as disconnected until the application closes it. */
  private fail(error: KnmeshError): void {
    this.failure = error;
    this.state = 'closed';
    this.loop.stop();
    this.client.timers.clearTimeout(this.timeoutTimer);
    this.failPending(error);
    this.client.stateChanged();
  }

  /**
   * Flushes, waiting at most `flushTimeoutMs` (default: the send timeout, or the operation timeout
   * when sends never time out), then closes the producer on the broker. Messages still pending then
   * fail with `producerClosed`.
   */
  async close(options: { readonly flushTimeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'closed') this.client.detach(this); // failed for good earlier
    if (this.state === 'closed' || this.state === 'closing') return;
    const flushing = this.flush();
    this.state = 'closing';
    const limit =
      options.flushTimeoutMs ??
      (this.settings.sendTimeoutMs > 0 ? this.settings.sendTimeoutMs : this.client.operationTimeoutMs);
    let timer: unknown;
    await Promise.race([
      flushing,
      new Promise<void>((resolve) => {
        timer = this.client.timers.setTimeout(resolve, limit);
      }),
    ]);
    this.client.timers.clearTimeout(timer);
    this.loop.stop();
    this.client.timers.clearTimeout(this.timeoutTimer);
    this.state = 'closed';
    this.failPending(PulsarErrors.producerClosed.create(`producer on ${this.settings.topic} was closed`));
    const connection = this.connection;
    this.connection = undefined;
    this.client.detach(this);
    if (connection !== undefined && !connection.isClosed) {
      const requestId = connection.newRequestId();
      try {
        await connection.request(
          connection.encoder.closeProducer(this.producerId, requestId),
          requestId,
          'closing a producer',
        );
      } catch {
        // the broker forgets the producer with the connection anyway
      }
      connection.unregisterProducer(this.producerId);
    }
  }
}

function toBuffer(key: Buffer | string): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'utf8') : key;
}

function toMillis(time: number | Date): number {
  return typeof time === 'number' ? time : time.getTime();
}
