import type { KnmeshError } from '../../errors/knmesh-error.ts';
import type { ClientContext } from '../client-context.ts';
import { decompressPayload } from '../compression/compression-codec.ts';
import type { ConsumerHandler } from '../connection/connection-handlers.ts';
import type { PulsarConnection } from '../connection/pulsar-connection.ts';
import { closeOnBroker } from '../connection/close-on-broker.ts';
import { ReconnectLoop } from '../connection/reconnect-loop.ts';
import { MessageId } from '../message-id.ts';
import { PulsarErrors, serverError } from '../pulsar-errors.ts';
import { AckType, CommandType, SubType } from '../protocol/command-type.ts';
import { CompressionType } from '../protocol/compression-type.ts';
import type { IncomingCommand } from '../protocol/incoming-command.ts';
import type { MessageIdData } from '../protocol/message-id-data.ts';
import type { ChunkFields } from '../protocol/message-metadata.ts';
import { parseMessagePayload, peekMessageCount } from '../protocol/parse-message-payload.ts';
import { ProtobufReader } from '../protocol/protobuf-reader.ts';
import { readSingleMessageMetadata } from '../protocol/single-message-metadata.ts';
import { ackSetHas, ackSetOf } from './ack-set.ts';
import { BatchAckTracker } from './batch-ack-tracker.ts';
import { ChunkAssembler } from './chunk-assembler.ts';
import { Message, type MessageOwner } from './message.ts';

export interface TopicConsumerSettings {
  readonly topic: string;
  readonly partition: number;
  readonly subscription: string;
  readonly subType: SubType;
  readonly initialPosition: 0 | 1;
  readonly receiverQueueSize: number;
  readonly consumerName: string | undefined;
  readonly batchIndexAck: boolean;
  readonly ackGroupingMs: number;
  readonly nackRedeliveryDelayMs: number;
  readonly ackTimeoutMs: number;
}

/** Where a topic consumer hands its messages: the application-facing `Consumer`. */
export interface ConsumerSink {
  deliver(message: Message): void;
  /** Drops the still-queued messages of `owner` (they will be redelivered); returns how many. */
  discardQueued(owner: TopicConsumer): number;
  activeChanged(topic: string, active: boolean): void;
  /** Messages received and not taken by the application yet. */
  readonly queued: number;
  /** Messages not acknowledged within the ack timeout. */
  ackTimedOut(messages: readonly Message[]): void;
  failed(topic: string, error: KnmeshError): void;
}

const EMPTY_PROPERTIES: Readonly<Record<string, string>> = Object.freeze(
  Object.create(null) as Record<string, string>,
);
const ValidationError = { DecompressionError: 1, ChecksumMismatch: 2, BatchDeSerializeError: 3 } as const;
/**
 * The Java client's defaults (maxPendingChunkedMessage, expireTimeOfIncompleteChunkedMessage), and
 * a bound on the bytes one joined message may hold.
 */
const CHUNK_LIMITS = { maxPending: 10, expireMs: 60_000, maxMessageBytes: 64 * 1024 * 1024 } as const;
/** How often incomplete chunked messages are looked at. */
const CHUNK_CHECK_MS = Math.min(CHUNK_LIMITS.expireMs, 5_000);

/**
 * The subscription of one topic or partition: SUBSCRIBE, flow permits granted as the application
 * takes messages (half the receiver queue at a time, like the Java client), batch splitting,
 * grouped acks (individual, cumulative, batch-index), negative acks and ack timeouts, and
 * resubscribing after a lost connection.
 */
export class TopicConsumer implements ConsumerHandler, MessageOwner {
  readonly settings: TopicConsumerSettings;
  private readonly client: ClientContext;
  private readonly sink: ConsumerSink;
  private readonly consumerId: number;
  private readonly loop: ReconnectLoop;
  private connection: PulsarConnection | undefined;
  private state: 'connecting' | 'ready' | 'closed' = 'connecting';
  private epoch = 0;
  private permits = 0;
  private readonly refillAt: number;
  private individualAcks: MessageIdData[] = [];
  private readonly batchIndexAcks = new Map<string, { id: MessageId; batch: BatchAckTracker }>();
  private cumulativeAck: MessageIdData | undefined;
  private ackTimer: unknown;
  private readonly nacks = new Map<string, { id: MessageIdData; due: number }>();
  private nackTimer: unknown;
  private readonly unacked = new Map<string, { message: Message; due: number }>();
  private ackTimeoutTimer: unknown;
  private readonly chunks = new ChunkAssembler(CHUNK_LIMITS);
  private chunkExpiryTimer: unknown;
  active = false;

  constructor(client: ClientContext, sink: ConsumerSink, settings: TopicConsumerSettings) {
    this.client = client;
    this.sink = sink;
    this.settings = settings;
    this.consumerId = client.newConsumerId();
    this.refillAt = Math.max(1, Math.floor(settings.receiverQueueSize / 2));
    this.loop = new ReconnectLoop({
      what: `consumer ${settings.subscription} on ${settings.topic}`,
      backoff: client.backoff,
      timers: client.timers,
      logger: client.logger,
      firstAttemptTimeoutMs: client.operationTimeoutMs,
      fatalAtStart: (error) => error.details?.['serverError'] === 'ConsumerBusy',
      attempt: () => this.attach(),
      onFatal: (error) => {
        // Stays counted as disconnected until the application closes the consumer.
        this.shutdown(false);
        sink.failed(settings.topic, error);
      },
    });
  }

  get connected(): boolean {
    return this.state === 'ready';
  }

  async start(): Promise<void> {
    try {
      await this.loop.start();
    } catch (error) {
      this.shutdown();
      throw error;
    }
    // Counted in client.connected only once subscribed: subscribing is not a disconnection.
    this.client.attach(this);
  }

  private get shared(): boolean {
    return this.settings.subType === SubType.Shared || this.settings.subType === SubType.Key_Shared;
  }

  private async attach(): Promise<void> {
    const s = this.settings;
    const connection = await this.client.connectionForTopic(s.topic);
    if (this.state === 'closed') return;
    const requestId = connection.newRequestId();
    connection.registerConsumer(this.consumerId, this);
    let answer: IncomingCommand;
    try {
      answer = await connection.request(
        connection.encoder.subscribe({
          topic: s.topic,
          subscription: s.subscription,
          subType: s.subType,
          consumerId: this.consumerId,
          requestId,
          consumerName: s.consumerName,
          durable: true,
          initialPosition: s.initialPosition,
          keySharedAutoSplit: s.subType === SubType.Key_Shared,
          consumerEpoch: this.epoch,
        }),
        requestId,
        `subscribing ${s.subscription} to ${s.topic}`,
      );
    } catch (error) {
      connection.unregisterConsumer(this.consumerId);
      this.notActive();
      throw error;
    }
    if (answer.type === CommandType.ERROR) {
      connection.unregisterConsumer(this.consumerId);
      this.notActive();
      throw serverError(answer.error, answer.message, `subscribing ${s.subscription} to ${s.topic}`);
    }
    if ((this.state as string) === 'closed') {
      // Closed while subscribing: the broker has the consumer now; a Failover one could be chosen
      // active and then receive nothing.
      closeOnBroker(connection, connection.encoder.closeConsumer.bind(connection.encoder), this.consumerId);
      connection.unregisterConsumer(this.consumerId);
      return;
    }
    if (!connection.holdsConsumer(this.consumerId, this)) {
      // Closed by the broker (CLOSE_CONSUMER) or the connection ended while subscribing: see the
      // producer's attach. Ready on it, the consumer would wait for messages forever.
      this.notActive();
      throw PulsarErrors.connectionFailed.create(
        `subscribing ${s.subscription} to ${s.topic}: ${connection.isClosed ? 'the connection ended' : 'the broker closed the consumer'} meanwhile`,
      );
    }
    this.connection = connection;
    this.state = 'ready';
    this.permits = 0;
    connection.write(connection.encoder.flow(this.consumerId, s.receiverQueueSize));
    this.flushAcks();
    this.client.stateChanged();
  }

  onMessage(command: Extract<IncomingCommand, { type: 9 }>, frame: Buffer, payloadOffset: number): void {
    if (this.state !== 'ready') return;
    if (command.consumerEpoch !== undefined && command.consumerEpoch < this.epoch) {
      // Stale delivery from before a redeliver-all: drop it, but give back every permit the
      // broker charged for it (one per message of a batch), or the consumer slowly starves.
      const count = peekMessageCount(frame, payloadOffset);
      for (let i = 0; i < count; i++) this.messageTaken();
      return;
    }
    const idData = command.messageId;
    const parsed = parseMessagePayload(frame, payloadOffset);
    if (parsed === undefined) {
      this.discard(
        idData,
        ValidationError.ChecksumMismatch,
        peekMessageCount(frame, payloadOffset),
        'checksum mismatch',
      );
      return;
    }
    const md = parsed.metadata;
    const count = md.numMessagesInBatch ?? 1;
    if (md.encrypted) {
      // Left unacknowledged on purpose: it stays in the backlog for a client that can decode it.
      this.client.logger.error(
        { topic: this.settings.topic, messageId: `${idData.ledgerId}:${idData.entryId}` },
        'pulsar: skipping an encrypted message this client cannot decrypt',
      );
      for (let i = 0; i < count; i++) this.messageTaken();
      return;
    }
    let compressed = parsed.payload;
    let chunks: readonly MessageIdData[] | undefined;
    let lastId = idData;
    if (md.chunk !== undefined && md.chunk.numChunksFromMsg > 1 && md.numMessagesInBatch === undefined) {
      const joined = this.joinChunk(md.chunk, idData, compressed, md.publishTime);
      if (joined === undefined) return;
      compressed = joined.payload;
      chunks = joined.ids.slice(0, -1);
      lastId = joined.ids[joined.ids.length - 1]!;
    }
    let payload: Buffer;
    try {
      payload =
        md.compression === CompressionType.NONE
          ? chunks === undefined
            ? Buffer.from(compressed) // detach from the socket chunk
            : compressed // joined into a buffer of its own
          : decompressPayload(md.compression, compressed, md.uncompressedSize);
    } catch {
      if (chunks !== undefined) {
        // Left unacknowledged like any unreadable message, every chunk of it.
        this.client.logger.error(
          { topic: this.settings.topic, messageId: `${lastId.ledgerId}:${lastId.entryId}` },
          'pulsar: cannot decompress a message joined from chunks; it stays unacknowledged',
        );
        this.messageTaken();
        return;
      }
      this.discard(idData, ValidationError.DecompressionError, count, 'payload cannot be decompressed');
      return;
    }
    const partition = this.settings.partition;
    if (md.numMessagesInBatch === undefined) {
      this.sink.deliver(
        new Message({
          messageId: new MessageId(lastId.ledgerId, lastId.entryId, partition),
          topic: this.settings.topic,
          payload,
          key: md.partitionKey,
          orderingKey: md.orderingKey,
          properties: md.properties ?? EMPTY_PROPERTIES,
          publishTime: md.publishTime,
          eventTime: md.eventTime,
          redeliveryCount: command.redeliveryCount,
          producerName: md.producerName,
          sequenceId: md.sequenceId,
          owner: this,
          batch: undefined,
          ...(chunks === undefined ? {} : { chunks }),
        }),
      );
      return;
    }
    const ackSet = command.ackSet ?? idData.ackSet;
    const batch = new BatchAckTracker(
      count,
      ackSet !== undefined && ackSet.length > 0 ? (i) => !ackSetHas(ackSet, i) : undefined,
    );
    const messages: Message[] = [];
    let skipped = 0;
    try {
      let pos = 0;
      for (let i = 0; i < count; i++) {
        const size = payload.readUInt32BE(pos);
        const smm = readSingleMessageMetadata(new ProtobufReader(payload, pos + 4, pos + 4 + size));
        pos += 4 + size;
        const body = payload.subarray(pos, pos + smm.payloadSize);
        pos += smm.payloadSize;
        if (pos > payload.length) throw new RangeError('batch overruns its payload');
        if (batch.isAcked(i) || smm.compactedOut) {
          batch.ack(i);
          skipped++;
          continue;
        }
        messages.push(
          new Message({
            messageId: new MessageId(idData.ledgerId, idData.entryId, partition, i, count),
            topic: this.settings.topic,
            payload: body,
            key: smm.partitionKey,
            orderingKey: smm.orderingKey,
            properties: smm.properties ?? EMPTY_PROPERTIES,
            publishTime: md.publishTime,
            eventTime: smm.eventTime,
            redeliveryCount: command.redeliveryCount,
            producerName: md.producerName,
            sequenceId: smm.sequenceId ?? md.sequenceId + BigInt(i),
            owner: this,
            batch,
          }),
        );
      }
    } catch {
      this.discard(idData, ValidationError.BatchDeSerializeError, count, 'batch cannot be split');
      return;
    }
    for (let i = 0; i < skipped; i++) this.messageTaken();
    for (const message of messages) this.sink.deliver(message);
  }

  /**
   * One chunk of a split message: held until the last one arrives, then the joined (still
   * compressed) payload and the entries of every chunk. A chunk that becomes no message gives its
   * permit back at once; redundant copies are acknowledged (ChunkAssembler).
   */
  private joinChunk(
    chunk: ChunkFields,
    id: MessageIdData,
    payload: Buffer,
    publishTime: number,
  ): { payload: Buffer; ids: readonly MessageIdData[] } | undefined {
    const outcome = this.chunks.add(
      {
        uuid: chunk.uuid,
        chunkId: chunk.chunkId,
        numChunks: chunk.numChunksFromMsg,
        totalSize: chunk.totalChunkMsgSize,
        id: { ledgerId: id.ledgerId, entryId: id.entryId, partition: id.partition, batchIndex: -1 },
        payload: Buffer.from(payload), // detach from the socket chunk: it is held a while
        publishTime,
      },
      this.client.timers.now(),
    );
    const where = { topic: this.settings.topic, messageId: `${id.ledgerId}:${id.entryId}`, uuid: chunk.uuid };
    for (const entry of outcome.ack) this.queueIndividual(entry);
    if (outcome.ack.length > 0) {
      this.client.logger.warn(
        { ...where, entries: outcome.ack.length },
        'pulsar: acknowledged chunks no message will be made of (copies, an abandoned attempt, or a stray chunk older than 60 s)',
      );
    }
    if (outcome.redeliver.length > 0) {
      this.redeliverLater(outcome.redeliver);
      this.client.logger.warn(
        { ...where, entries: outcome.redeliver.length },
        'pulsar: a chunked message could not be joined yet; its chunks are redelivered',
      );
    }
    if (outcome.refused === true) {
      this.client.logger.error(
        { ...where, bytes: chunk.totalChunkMsgSize },
        `pulsar: a chunked message above ${CHUNK_LIMITS.maxMessageBytes} bytes is not joined; it stays unacknowledged`,
      );
    }
    if (this.chunks.pending > 0 && this.chunkExpiryTimer === undefined) this.scheduleChunkExpiry();
    if (outcome.complete === undefined) this.messageTaken();
    return outcome.complete;
  }

  private scheduleChunkExpiry(): void {
    this.chunkExpiryTimer = this.client.timers.setTimeout(() => {
      this.chunkExpiryTimer = undefined;
      // Messages the application has not taken yet may hold every permit: the next chunk cannot come.
      const expired = this.chunks.expire(this.client.timers.now(), this.sink.queued > 0);
      for (const entry of expired) this.queueIndividual(entry);
      if (expired.length > 0) {
        this.client.logger.error(
          { topic: this.settings.topic, entries: expired.length },
          'pulsar: gave up a chunked message that got no chunk for 60 s (its producer never finished it); its chunks are acknowledged',
        );
      }
      if (this.chunks.pending > 0 && this.state !== 'closed') this.scheduleChunkExpiry();
    }, CHUNK_CHECK_MS);
    (this.chunkExpiryTimer as { unref?: () => void }).unref?.();
  }

  /** Has the broker send these entries again after `delayMs` (the negative-acknowledgement delay). */
  private redeliverLater(ids: readonly MessageIdData[], delayMs = this.settings.nackRedeliveryDelayMs): void {
    const due = this.client.timers.now() + delayMs;
    for (const id of ids) {
      const key = `${id.ledgerId}:${id.entryId}`;
      if (!this.nacks.has(key)) this.nacks.set(key, { id, due });
    }
    if (this.nackTimer === undefined) this.scheduleNacks(delayMs);
  }

  /**
   * A message that cannot be read is not delivered and, unlike the Java client, not acknowledged
   * either: it stays in the backlog (visible to operators and to KEDA) instead of vanishing. A
   * checksum mismatch may be a transmission error, so that entry is asked for again at once.
   */
  private discard(id: MessageIdData, reason: number, count: number, why: string): void {
    this.client.logger.error(
      { topic: this.settings.topic, messageId: `${id.ledgerId}:${id.entryId}`, reason },
      `pulsar: cannot read a message (${why}); it stays unacknowledged`,
    );
    for (let i = 0; i < count; i++) this.messageTaken();
    if (reason === ValidationError.ChecksumMismatch && this.shared) {
      this.redeliver([
        { ledgerId: id.ledgerId, entryId: id.entryId, partition: id.partition, batchIndex: -1 },
      ]);
    }
  }

  /** The application took one message (or one was dropped): grant the broker more permits in halves. */
  messageTaken(): void {
    if (++this.permits >= this.refillAt && this.state === 'ready') {
      this.connection!.write(this.connection!.encoder.flow(this.consumerId, this.permits));
      this.permits = 0;
    }
  }

  /** Starts the ack-timeout clock of a message handed to the application. */
  track(message: Message): void {
    if (this.settings.ackTimeoutMs <= 0) return;
    this.unacked.set(message.messageId.toString(), {
      message,
      due: this.client.timers.now() + this.settings.ackTimeoutMs,
    });
    if (this.ackTimeoutTimer === undefined) this.scheduleAckTimeout();
  }

  private scheduleAckTimeout(): void {
    const tick = Math.max(10, Math.min(this.settings.ackTimeoutMs, 1000));
    this.ackTimeoutTimer = this.client.timers.setTimeout(() => {
      this.ackTimeoutTimer = undefined;
      const now = this.client.timers.now();
      const expired: Message[] = [];
      for (const [key, entry] of this.unacked) {
        if (entry.due <= now) {
          expired.push(entry.message);
          this.unacked.delete(key);
        }
      }
      if (expired.length > 0) this.sink.ackTimedOut(expired);
      if (this.unacked.size > 0 && this.state !== 'closed') this.scheduleAckTimeout();
    }, tick);
  }

  ack(message: Message): void {
    const id = message.messageId;
    if (this.unacked.size > 0) this.unacked.delete(id.toString());
    const chunks = message.receipt.chunks;
    if (chunks !== undefined) for (const chunk of chunks) this.queueIndividual(chunk);
    const batch = message.receipt.batch;
    if (batch === undefined) {
      this.queueIndividual(id.toData());
      return;
    }
    if (!batch.ack(id.batchIndex)) return;
    const key = `${id.ledgerId}:${id.entryId}`;
    if (batch.complete) {
      this.batchIndexAcks.delete(key);
      this.queueIndividual(id.toData());
    } else if (this.settings.batchIndexAck) {
      this.batchIndexAcks.set(key, { id, batch });
      this.scheduleAckFlush();
    }
  }

  ackCumulative(message: Message): void {
    if (this.shared) {
      throw PulsarErrors.invalidConfiguration.create(
        'cumulative acknowledgement is not allowed on Shared or Key_Shared subscriptions',
      );
    }
    const id = message.messageId;
    if (this.unacked.size > 0) {
      for (const [key, entry] of this.unacked)
        if (entry.message.messageId.compareTo(id) <= 0) this.unacked.delete(key);
    }
    const batch = message.receipt.batch;
    let target: MessageIdData | undefined = id.toData();
    if (batch !== undefined) {
      batch.ackUpTo(id.batchIndex);
      if (!batch.complete) {
        target = this.settings.batchIndexAck
          ? { ...id.toData(), ackSet: ackSetOf((i) => i > id.batchIndex, batch.size), batchSize: batch.size }
          : id.entryId > 0
            ? { ledgerId: id.ledgerId, entryId: id.entryId - 1, partition: id.partition, batchIndex: -1 }
            : undefined;
      }
    }
    if (target === undefined) return;
    const current = this.cumulativeAck;
    if (
      current === undefined ||
      target.ledgerId > current.ledgerId ||
      (target.ledgerId === current.ledgerId && target.entryId >= current.entryId)
    ) {
      this.cumulativeAck = target;
    }
    this.scheduleAckFlush();
  }

  private queueIndividual(id: MessageIdData): void {
    this.individualAcks.push(id);
    if (this.individualAcks.length >= 1000 || this.settings.ackGroupingMs <= 0) this.flushAcks();
    else this.scheduleAckFlush();
  }

  private scheduleAckFlush(): void {
    if (this.settings.ackGroupingMs <= 0) {
      this.flushAcks();
      return;
    }
    if (this.ackTimer !== undefined) return;
    this.ackTimer = this.client.timers.setTimeout(() => {
      this.ackTimer = undefined;
      this.flushAcks();
    }, this.settings.ackGroupingMs);
  }

  /** Sends grouped acks; while disconnected they wait for the next connection. */
  flushAcks(): void {
    const connection = this.connection;
    if (this.state !== 'ready' || connection === undefined) return;
    if (this.individualAcks.length > 0) {
      connection.write(connection.encoder.ack(this.consumerId, AckType.Individual, this.individualAcks));
      this.individualAcks = [];
    }
    if (this.batchIndexAcks.size > 0) {
      const ids: MessageIdData[] = [];
      for (const { id, batch } of this.batchIndexAcks.values()) {
        ids.push({
          ...id.toData(),
          ackSet: ackSetOf((i) => !batch.isAcked(i), batch.size),
          batchSize: batch.size,
        });
      }
      this.batchIndexAcks.clear();
      connection.write(connection.encoder.ack(this.consumerId, AckType.Individual, ids));
    }
    if (this.cumulativeAck !== undefined) {
      connection.write(connection.encoder.ack(this.consumerId, AckType.Cumulative, [this.cumulativeAck]));
      this.cumulativeAck = undefined;
    }
  }

  /** Negative ack: redeliver after the configured delay. */
  nack(message: Message, delayMs = this.settings.nackRedeliveryDelayMs): void {
    const id = message.messageId;
    if (this.unacked.size > 0) this.unacked.delete(id.toString());
    const chunks = message.receipt.chunks;
    this.redeliverLater(chunks === undefined ? [id.toData()] : [...chunks, id.toData()], delayMs);
  }

  private scheduleNacks(delayMs: number): void {
    this.nackTimer = this.client.timers.setTimeout(
      () => {
        this.nackTimer = undefined;
        const now = this.client.timers.now();
        const due: MessageIdData[] = [];
        let next = Number.POSITIVE_INFINITY;
        for (const [key, entry] of this.nacks) {
          if (entry.due <= now) {
            due.push(entry.id);
            this.nacks.delete(key);
          } else if (entry.due < next) next = entry.due;
        }
        if (due.length > 0) this.redeliver(due);
        if (this.nacks.size > 0 && this.state !== 'closed') this.scheduleNacks(Math.max(1, next - now));
      },
      Math.max(1, delayMs),
    );
  }

  /**
   * Asks the broker to redeliver. Shared and Key_Shared redeliver exactly these entries; the
   * broker redelivers everything unacknowledged on Exclusive and Failover, so the client then
   * drops what it still holds and ignores in-flight deliveries of the previous epoch.
   */
  redeliver(ids: readonly MessageIdData[]): void {
    const connection = this.connection;
    if (this.state !== 'ready' || connection === undefined) return; // the reconnect redelivers anyway
    if (this.shared) {
      for (let i = 0; i < ids.length; i += 1000) {
        connection.write(connection.encoder.redeliver(this.consumerId, ids.slice(i, i + 1000)));
      }
      return;
    }
    this.epoch++;
    const dropped = this.sink.discardQueued(this);
    connection.write(connection.encoder.redeliver(this.consumerId, undefined, this.epoch));
    for (let i = 0; i < dropped; i++) this.messageTaken();
  }

  onActiveConsumerChange(isActive: boolean): void {
    this.active = isActive;
    this.sink.activeChanged(this.settings.topic, isActive);
  }

  /**
   * A subscribe that failed takes back an ACTIVE_CONSUMER_CHANGE the broker sent during it (it may
   * come before the answer): the broker no longer has that consumer, and a Failover application
   * that believed it active would keep what belongs to the partition's real owner (an
   * effectively-once producer name).
   */
  private notActive(): void {
    if (!this.active) return;
    this.active = false;
    this.sink.activeChanged(this.settings.topic, false);
  }

  onReachedEndOfTopic(): void {
    this.client.logger.info({ topic: this.settings.topic }, 'pulsar: reached the end of a terminated topic');
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
    this.active = false;
    // Undelivered prefetched messages are redelivered by the broker to the new subscription. Chunks
    // held stay: a redelivered first chunk on the same entry starts its message over, and under
    // cumulative acknowledgement a later message may already have covered them.
    this.sink.discardQueued(this);
    this.client.stateChanged();
    this.loop.reconnect();
  }

  private shutdown(detach = true): void {
    this.state = 'closed';
    this.loop.stop();
    for (const timer of [this.ackTimer, this.nackTimer, this.ackTimeoutTimer, this.chunkExpiryTimer])
      this.client.timers.clearTimeout(timer);
    this.ackTimer = this.nackTimer = this.ackTimeoutTimer = this.chunkExpiryTimer = undefined;
    this.chunks.clear();
    if (detach) this.client.detach(this);
    else this.client.stateChanged();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') {
      this.client.detach(this); // failed for good earlier
      return;
    }
    this.flushAcks();
    const connection = this.connection;
    this.connection = undefined;
    this.shutdown();
    this.sink.discardQueued(this);
    if (connection === undefined || connection.isClosed) return;
    const requestId = connection.newRequestId();
    try {
      await connection.request(
        connection.encoder.closeConsumer(this.consumerId, requestId),
        requestId,
        'closing a consumer',
      );
    } catch {
      // the broker drops the consumer with the connection anyway
    }
    connection.unregisterConsumer(this.consumerId);
  }

  /** Deletes the subscription on the broker (fails while other consumers are attached), then closes. */
  async unsubscribe(): Promise<void> {
    const connection = this.connection;
    if (this.state !== 'ready' || connection === undefined) {
      throw PulsarErrors.connectionFailed.create(
        `cannot unsubscribe from ${this.settings.topic}: not connected`,
      );
    }
    this.flushAcks();
    const requestId = connection.newRequestId();
    const answer = await connection.request(
      connection.encoder.unsubscribe(this.consumerId, requestId),
      requestId,
      `unsubscribing ${this.settings.subscription}`,
    );
    if (answer.type === CommandType.ERROR) {
      throw serverError(answer.error, answer.message, `unsubscribing ${this.settings.subscription}`);
    }
    this.connection = undefined;
    connection.unregisterConsumer(this.consumerId);
    this.shutdown();
    this.sink.discardQueued(this);
  }
}
