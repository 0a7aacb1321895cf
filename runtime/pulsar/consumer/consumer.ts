import { EventEmitter } from 'node:events';
import type { KnmeshError } from '../../errors/knmesh-error.ts';
import type { Logger } from '../../observability/create-logger.ts';
import type { Producer } from '../producer/producer.ts';
import { PulsarErrors } from '../pulsar-errors.ts';
import type { Timers } from '../timers.ts';
import type { DeadLetterPolicy } from './consumer-options.ts';
import type { Message } from './message.ts';
import type { ConsumerSink, TopicConsumer } from './topic-consumer.ts';

interface Waiter {
  resolve(message: Message | undefined): void;
  reject(error: Error): void;
  timer: unknown;
}

export interface ConsumerDependencies {
  readonly subscription: string;
  readonly timers: Timers;
  readonly logger: Logger;
  readonly deadLetterPolicy: DeadLetterPolicy | undefined;
  /** Opens the dead-letter producer (lazily, on the first dead letter). */
  readonly createDeadLetterProducer: (topic: string) => Promise<Producer>;
}

/**
 * What `client.subscribe` returns: one subscription over one or more topics and partitions, with
 * a single receive queue. Its size is bounded by the permits of the per-topic consumers, which
 * are granted only as the application takes messages, so a slow application stops the broker
 * from sending rather than filling memory.
 *
 * Events: `activeChange(topic, active)` (Failover), `failed(topic, error)` when a topic cannot be
 * resubscribed for good (e.g. it was deleted or terminated).
 */
export class Consumer
  extends EventEmitter<{
    activeChange: [topic: string, active: boolean];
    failed: [topic: string, error: KnmeshError];
  }>
  implements ConsumerSink
{
  readonly subscription: string;
  private readonly deps: ConsumerDependencies;
  private readonly parts = new Map<string, TopicConsumer>();
  private queue: Message[] = [];
  private queueHead = 0;
  private readonly waiters: Waiter[] = [];
  private closed = false;
  /** By dead-letter topic: without an explicit topic, each input topic has its own `<topic>-<sub>-DLQ`. */
  private readonly deadLetterProducers = new Map<string, Promise<Producer>>();
  /** Pattern subscriptions stop their discovery through this. */
  onClose: (() => void) | undefined;

  constructor(deps: ConsumerDependencies) {
    super();
    this.deps = deps;
    this.subscription = deps.subscription;
  }

  /** @internal */
  addPart(part: TopicConsumer): void {
    this.parts.set(part.settings.topic, part);
  }

  /** @internal */
  removePart(topic: string): TopicConsumer | undefined {
    const part = this.parts.get(topic);
    this.parts.delete(topic);
    return part;
  }

  /** Topics and partitions currently subscribed. */
  get topics(): string[] {
    return [...this.parts.keys()];
  }

  get connected(): boolean {
    for (const part of this.parts.values()) if (!part.connected) return false;
    return true;
  }

  /** Failover: true when this consumer is the active one on every partition it holds. */
  get isActive(): boolean {
    for (const part of this.parts.values()) if (!part.active) return false;
    return this.parts.size > 0;
  }

  /** Messages received and waiting for the application. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  deliver(message: Message): void {
    if (this.closed) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      this.deps.timers.clearTimeout(waiter.timer);
      this.hand(message);
      waiter.resolve(message);
      return;
    }
    this.queue.push(message);
  }

  private hand(message: Message): void {
    const owner = message.receipt.owner as TopicConsumer;
    owner.messageTaken();
    owner.track(message);
  }

  discardQueued(owner: TopicConsumer): number {
    const kept: Message[] = [];
    let dropped = 0;
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const message = this.queue[i]!;
      if (message.receipt.owner === owner) dropped++;
      else kept.push(message);
    }
    if (dropped > 0) {
      this.queue = kept;
      this.queueHead = 0;
    }
    return dropped;
  }

  activeChanged(topic: string, active: boolean): void {
    this.emit('activeChange', topic, active);
  }

  ackTimedOut(messages: readonly Message[]): void {
    for (const message of messages) this.negativeAck(message, 0);
  }

  failed(topic: string, error: KnmeshError): void {
    // The part stays (disconnected) so that `connected` reports it until the consumer is closed.
    this.deps.logger.error({ err: error, topic }, 'pulsar: a consumer part failed for good');
    if (this.listenerCount('failed') > 0) this.emit('failed', topic, error);
  }

  /** The next message; waits for one. Rejects when the consumer is closed. */
  receive(): Promise<Message> {
    return this.take(undefined) as Promise<Message>;
  }

  /** The next message, or undefined after `timeoutMs` without one. */
  tryReceive(timeoutMs: number): Promise<Message | undefined> {
    return this.take(timeoutMs);
  }

  private take(timeoutMs: number | undefined): Promise<Message | undefined> {
    if (this.queueHead < this.queue.length) {
      const message = this.queue[this.queueHead]!;
      this.queue[this.queueHead++] = undefined as unknown as Message;
      if (this.queueHead === this.queue.length) {
        this.queue = [];
        this.queueHead = 0;
      } else if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      this.hand(message);
      return Promise.resolve(message);
    }
    if (this.closed) return Promise.reject(PulsarErrors.consumerClosed.create('the consumer is closed'));
    return new Promise<Message | undefined>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, timer: undefined };
      if (timeoutMs !== undefined) {
        waiter.timer = this.deps.timers.setTimeout(() => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          resolve(undefined);
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Messages until the consumer is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Message, void, undefined> {
    while (!this.closed) {
      let message: Message;
      try {
        message = await this.receive();
      } catch (error) {
        if (PulsarErrors.consumerClosed.is(error)) return;
        throw error;
      }
      yield message;
    }
  }

  private owner(message: Message): TopicConsumer {
    return message.receipt.owner as TopicConsumer;
  }

  /** Acknowledges one message (grouped into ACK frames; fire-and-forget like the Java client). */
  ack(message: Message): void {
    this.owner(message).ack(message);
  }

  /** Acknowledges this message and every earlier one of its topic (Exclusive and Failover only). */
  ackCumulative(message: Message): void {
    this.owner(message).ackCumulative(message);
  }

  /**
   * Negative ack: redelivered after `nackRedeliveryDelayMs`. With a dead-letter policy, a message
   * already redelivered `maxRedeliverCount` times is published to the dead-letter topic and acked.
   */
  nack(message: Message): void {
    this.negativeAck(message, undefined);
  }

  private negativeAck(message: Message, delayMs: number | undefined): void {
    const policy = this.deps.deadLetterPolicy;
    if (policy !== undefined && message.redeliveryCount >= policy.maxRedeliverCount) {
      void this.deadLetter(message, policy);
      return;
    }
    this.owner(message).nack(message, delayMs);
  }

  private async deadLetter(message: Message, policy: DeadLetterPolicy): Promise<void> {
    const topic =
      policy.deadLetterTopic ??
      // A `/` (Pulsar Functions name subscriptions tenant/namespace/name) is not allowed in a topic name.
      `${message.topic.replace(/-partition-\d+$/, '')}-${this.subscription.replace(/\//g, '-')}-DLQ`;
    let pending = this.deadLetterProducers.get(topic);
    if (pending === undefined) {
      pending = this.deps.createDeadLetterProducer(topic);
      this.deadLetterProducers.set(topic, pending);
    }
    try {
      const producer = await pending;
      await producer.send({
        payload: message.payload,
        ...(message.key === undefined ? {} : { key: message.key }),
        ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
        ...(message.eventTime === undefined ? {} : { eventTime: message.eventTime }),
        properties: {
          ...message.properties,
          REAL_TOPIC: message.topic,
          ORIGIN_MESSAGE_ID: message.messageId.toString(),
        },
      });
      this.ack(message);
    } catch (error) {
      // Start afresh next time, but only if no other failure already replaced this producer; a
      // producer that was created (the send failed) is closed rather than leaked.
      if (this.deadLetterProducers.get(topic) === pending) {
        this.deadLetterProducers.delete(topic);
        void pending.then((p) => p.close()).catch(() => undefined);
      }
      this.deps.logger.warn({ err: error, topic }, 'pulsar: dead-lettering failed, redelivering instead');
      this.owner(message).nack(message);
    }
  }

  /** Closes every part; pending `receive` calls reject with `consumerClosed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose?.();
    await Promise.all([...this.parts.values()].map((p) => p.close()));
    this.parts.clear();
    this.failWaiters();
    const producers = [...this.deadLetterProducers.values()];
    this.deadLetterProducers.clear();
    await Promise.all(producers.map((dlq) => dlq.then((p) => p.close()).catch(() => undefined)));
  }

  /** Deletes the subscription on every topic, then closes. */
  async unsubscribe(): Promise<void> {
    await Promise.all([...this.parts.values()].map((p) => p.unsubscribe()));
    await this.close();
  }

  private failWaiters(): void {
    const error = PulsarErrors.consumerClosed.create('the consumer is closed');
    for (const waiter of this.waiters.splice(0)) {
      this.deps.timers.clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.queue = [];
    this.queueHead = 0;
  }
}
