import type { CloudEventV1 } from 'cloudevents';
import { toDeliveryEvent } from '../cloudevents/pulsar-delivery-event.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import type { Logger } from '../observability/create-logger.ts';
import type { Message } from '../pulsar/consumer/message.ts';
import type { Timers } from '../pulsar/timers.ts';
import type { AttemptJournal } from './attempt-journal.ts';
import { BridgeErrors } from './bridge-errors.ts';
import type { BridgeMetrics } from './bridge-metrics.ts';
import type { DeliveryFailure, DeliveryOutcome } from './delivery-outcome.ts';
import { DeliveryQueue } from './delivery-queue.ts';
import { batchRequest, binaryRequest, jsonFormOf, structuredRequest } from './delivery-request.ts';
import type { DeliverySender } from './http-sender.ts';
import { orderingKeyOf, type SubscriptionTypeName } from './ordering-key.ts';
import { readBatchResponse, readSingleResponse } from './read-delivery-response.ts';
import { isPermanentPublishFailure, publishFailure, type ReplyPublisher } from './reply-publisher.ts';
import type { RetryPolicy } from './retry-policy.ts';

export type Guarantee = 'atleast_once' | 'atmost_once' | 'effectively_once' | 'manual';
export type DeliveryMode = 'binary' | 'structured' | 'batch';

/** The consumer operations the dispatcher uses. */
export interface BridgeConsumer {
  receive(): Promise<Message>;
  ack(message: Message): void;
  ackCumulative(message: Message): void;
}

export interface BridgeDispatcherOptions {
  readonly consumer: BridgeConsumer;
  readonly sender: DeliverySender;
  readonly publisher: Pick<ReplyPublisher, 'start' | 'deadLetter'>;
  readonly journal: AttemptJournal;
  readonly retry: RetryPolicy;
  readonly timers: Timers;
  readonly guarantee: Guarantee;
  readonly subscriptionType: SubscriptionTypeName;
  readonly delivery: DeliveryMode;
  readonly batchSize: number;
  readonly batchMaxWaitMs: number;
  readonly maxInFlight: number;
  /** `--input-content-type`: datacontenttype of plain messages without a content-type property. */
  readonly inputContentType?: string | undefined;
  /** Per message; a request of n messages may take n × this + 1 s. */
  readonly timeoutMs: number;
  readonly metrics: BridgeMetrics;
  readonly logger: Logger;
}

/** A message's delivery form for one attempt. */
interface Prepared {
  readonly event: CloudEventV1<unknown>;
  /** The JSON event format (structured and batched delivery). */
  readonly json: string | undefined;
}

type State = 'queued' | 'sending' | 'waiting' | 'finished' | 'released';

/** A message from the moment it is taken from the subscription until it is finished or released. */
class Held {
  readonly message: Message;
  readonly key: string | undefined;
  prior: number | Promise<number>;
  /** Failed attempts in this process. */
  attempts = 0;
  acked = false;
  state: State = 'queued';
  timer: unknown;

  constructor(message: Message, key: string | undefined, prior: number | Promise<number>) {
    this.message = message;
    this.key = key;
    this.prior = prior;
  }

  get totalAttempts(): number {
    return (typeof this.prior === 'number' ? this.prior : 0) + this.attempts;
  }
}

type Step =
  | {
      readonly item: Held;
      readonly kind: 'publish';
      readonly stored: Promise<void>;
      readonly replies: number;
    }
  | { readonly item: Held; readonly kind: 'ack' }
  | {
      readonly item: Held;
      readonly kind: 'dead-letter';
      readonly failure: DeliveryFailure;
      readonly lastCode?: string;
    }
  | { readonly item: Held; readonly kind: 'retry'; readonly failure: DeliveryFailure }
  | { readonly item: Held; readonly kind: 'follow' };

export interface DispatcherStopReport {
  /** Every delivery in flight finished within the grace period. */
  readonly drained: boolean;
  /** Messages given back unacknowledged (queued, waiting for a retry, or unfinished at the deadline). */
  readonly released: number;
}

/**
 * Moves messages from the subscription through the function (ADR 0020): takes messages only while
 * fewer than `--max-in-flight` are held (the consumer grants the broker permits only as messages are
 * taken, so a slow function stops the flow at the broker), keeps ordering groups in order
 * (`DeliveryQueue`), sends single or batched requests, and settles each message by its guarantee:
 * publish replies, acknowledge, retry with backoff (the message keeps its place in its group), or
 * dead-letter. Never drops a message: what it cannot finish is left unacknowledged for redelivery.
 */
export class BridgeDispatcher {
  readonly #o: BridgeDispatcherOptions;
  readonly #queue = new DeliveryQueue<Held>();
  readonly #ordered: boolean;
  readonly #heldPerTopic = new Map<string, number>();
  #requests = 0;
  #stopping = false;
  #roomWaiter: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];
  /** Sleeps between dead-letter attempts end at once on stop. */
  readonly #stopListeners: (() => void)[] = [];
  #batchTimer: unknown;
  #batchDue = false;
  #released = 0;
  #started = false;
  /**
   * At-most-once and manual: messages finished whose replies are not stored yet. They count
   * against --max-in-flight, or a slow output topic would pile replies up in the producer without
   * bound while the input keeps flowing.
   */
  #unstoredReplies = 0;

  constructor(options: BridgeDispatcherOptions) {
    this.#o = options;
    this.#ordered = options.subscriptionType !== 'shared';
  }

  /** Messages held: taken and not finished, or finished with replies not stored yet. */
  get held(): number {
    return this.#queue.size + this.#unstoredReplies;
  }

  /** Delivery requests in flight (awaiting an answer or being settled). */
  get requests(): number {
    return this.#requests;
  }

  heldOf(topic: string): number {
    return this.#heldPerTopic.get(topic) ?? 0;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    void this.#pull();
  }

  async #pull(): Promise<void> {
    while (!this.#stopping) {
      if (this.#queue.size + this.#unstoredReplies >= this.#o.maxInFlight) {
        await new Promise<void>((resolve) => (this.#roomWaiter = resolve));
        continue;
      }
      let message: Message;
      try {
        message = await this.#o.consumer.receive();
      } catch (error) {
        if (!this.#stopping) this.#o.logger.error({ err: error }, 'receiving from the subscription failed');
        return;
      }
      // Taken after the stop: not acknowledged, so the broker redelivers it once the consumer closes.
      if (this.#stopping) return;
      this.#admit(message);
    }
  }

  #admit(message: Message): void {
    const o = this.#o;
    o.metrics.received.inc();
    if (o.guarantee === 'atmost_once') {
      o.consumer.ack(message);
      o.metrics.endToEndLag.observe(Math.max(0, o.timers.now() - message.publishTime) / 1000);
    }
    let prior: number | Promise<number>;
    try {
      prior = o.journal.priorAttempts(message);
    } catch {
      prior = message.redeliveryCount;
    }
    const item = new Held(message, orderingKeyOf(message, o.subscriptionType), prior);
    if (o.guarantee === 'atmost_once') {
      item.acked = true;
      o.metrics.acked.inc();
    }
    this.#heldPerTopic.set(message.topic, (this.#heldPerTopic.get(message.topic) ?? 0) + 1);
    this.#queue.push(item, item.key);
    this.#dispatch();
  }

  #dispatch(): void {
    if (this.#stopping) return;
    const queue = this.#queue;
    if (this.#o.delivery !== 'batch') {
      while (queue.readyCount > 0) {
        const items = queue.take(1);
        if (items.length === 0) break;
        void this.#run(items);
      }
      return;
    }
    const { batchSize, maxInFlight } = this.#o;
    while (
      queue.readyCount > 0 &&
      (queue.readyCount >= batchSize || this.#batchDue || queue.size + this.#unstoredReplies >= maxInFlight)
    ) {
      const items = queue.take(batchSize, this.#ordered ? batchSize : 1);
      if (items.length === 0) break;
      void this.#run(items);
    }
    this.#batchDue = false;
    if (queue.readyCount > 0 && this.#batchTimer === undefined) {
      this.#batchTimer = this.#o.timers.setTimeout(() => {
        this.#batchTimer = undefined;
        this.#batchDue = true;
        this.#dispatch();
      }, this.#o.batchMaxWaitMs);
    }
  }

  /** One request: prepare, deliver, settle. Never rejects. */
  async #run(items: Held[]): Promise<void> {
    this.#requests++;
    for (const item of items) item.state = 'sending';
    try {
      const outcomes = new Array<DeliveryOutcome>(items.length);
      const sending: Prepared[] = [];
      const at: number[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (typeof item.prior !== 'number') item.prior = await item.prior;
        const prepared = this.#prepare(item);
        if ('kind' in prepared) outcomes[i] = prepared;
        else {
          sending.push(prepared);
          at.push(i);
        }
      }
      if (sending.length > 0) {
        const delivered = await this.#deliver(sending);
        sending.length = 0; // the events are garbage from here on (see #prepare)
        for (let j = 0; j < at.length; j++) outcomes[at[j]!] = delivered[j]!;
      }
      await this.#settle(items, outcomes);
    } catch (error) {
      // A bug, not a message's fault: retried like a failed delivery (and dead-lettered in the end).
      this.#o.logger.error({ err: error }, 'unexpected failure while handling a delivery');
      const failure = {
        code: BridgeErrors.internal.code,
        status: undefined,
        reason: 'internal bridge failure',
      };
      for (const item of items) {
        if (item.state === 'sending')
          await this.#settle([item], [{ kind: 'retry', failure }]).catch(() => undefined);
      }
    } finally {
      this.#requests--;
      if (this.#stopping) this.#sweep();
      this.#dispatch();
    }
  }

  /**
   * Builds the event; a message that cannot become one is dead-lettered without a delivery. Built
   * again for every attempt and never kept on the item: a held message can wait longer than two
   * young-generation collections, and events kept with it were promoted to the old generation
   * (garbage that only a full collection frees: most of the bridge's GC time and RSS under load).
   */
  #prepare(item: Held): Prepared | DeliveryOutcome {
    try {
      const event = toDeliveryEvent(item.message, { defaultContentType: this.#o.inputContentType });
      return { event, json: this.#o.delivery === 'binary' ? undefined : jsonFormOf(event) };
    } catch (error) {
      if (error instanceof KnmeshError) {
        return {
          kind: 'dead-letter',
          failure: { code: error.code, status: error.status, reason: error.message },
        };
      }
      throw error;
    }
  }

  async #deliver(items: readonly Prepared[]): Promise<DeliveryOutcome[]> {
    const o = this.#o;
    const started = o.timers.now();
    let outcomes: DeliveryOutcome[];
    if (o.delivery === 'batch') {
      const ids = items.map((i) => i.event.id);
      const request = batchRequest(
        items.map((i) => i.json!),
        this.#ordered,
      );
      outcomes = readBatchResponse(
        await o.sender.send(request, this.#timeoutFor(ids.length)),
        ids,
        this.#ordered,
      );
    } else {
      const item = items[0]!;
      const request = o.delivery === 'binary' ? binaryRequest(item.event) : structuredRequest(item.json!);
      outcomes = [readSingleResponse(await o.sender.send(request, this.#timeoutFor(1)))];
    }
    o.metrics.deliveryDuration.observe((o.timers.now() - started) / 1000, o.delivery);
    return outcomes;
  }

  /** The function host times out each event after the same --timeout-ms: its 504 should arrive first. */
  #timeoutFor(messages: number): number {
    return this.#o.timeoutMs * messages + 1000;
  }

  /**
   * Applies the outcomes of one request, in order. Phase 1 starts publishing (replies are queued in
   * their producers in message order) and decides retries: in an ordered group, the messages after
   * one that is retried wait behind it. Phase 2 waits for each publish, then acknowledges,
   * dead-letters or schedules the retry, again in order, so acknowledgements follow the messages'
   * order (cumulative acknowledgement for effectively-once depends on it).
   */
  async #settle(items: readonly Held[], outcomes: readonly DeliveryOutcome[]): Promise<void> {
    const o = this.#o;
    const waitForPublish = o.guarantee === 'atleast_once' || o.guarantee === 'effectively_once';
    const blocked = new Set<string>();
    const steps: Step[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const outcome = outcomes[i]!;
      // Behind a retried message of its group, or not run by the host: back in the queue, in place.
      if ((item.key !== undefined && this.#ordered && blocked.has(item.key)) || outcome.kind === 'not-run') {
        steps.push({ item, kind: 'follow' });
        continue;
      }
      let step: Step;
      if (outcome.kind === 'success') {
        o.metrics.delivered.inc({ outcome: 'success' });
        const start = await o.publisher.start(item.message, outcome.replies);
        if ('failure' in start) {
          step = start.deadLetter
            ? { item, kind: 'dead-letter', failure: start.failure }
            : this.#retryOrGiveUp(item, start.failure);
        } else if (waitForPublish) {
          start.stored.catch(() => undefined); // awaited in phase 2 (or abandoned behind a retry)
          step = { item, kind: 'publish', stored: start.stored, replies: outcome.replies.length };
        } else {
          // At-most-once and manual publish without waiting, as Pulsar Functions do.
          const n = outcome.replies.length;
          this.#unstoredReplies++;
          start.stored
            .then(
              () => o.metrics.replied.inc(n),
              (error: unknown) => {
                o.metrics.publishFailures.inc();
                o.logger.warn(
                  { err: error, messageId: item.message.messageId.toString() },
                  'publishing a reply failed (not retried under this guarantee)',
                );
              },
            )
            .finally(() => {
              this.#unstoredReplies--;
              this.#wakePull();
            });
          step = { item, kind: 'ack' };
        }
      } else {
        o.metrics.delivered.inc({ outcome: outcome.kind });
        step =
          outcome.kind === 'retry'
            ? this.#retryOrGiveUp(item, outcome.failure)
            : { item, kind: 'dead-letter', failure: outcome.failure };
      }
      if (step.kind === 'retry' && item.key !== undefined && this.#ordered) blocked.add(item.key);
      steps.push(step);
    }

    const stopped = new Set<string>();
    // A message given back (at a stop) stops its group too: acknowledging a later one would, under
    // effectively-once (cumulative acknowledgement), acknowledge the given-back one with it.
    const stopGroupIfReleased = (item: Held): void => {
      if (item.state === 'released' && item.key !== undefined && this.#ordered) stopped.add(item.key);
    };
    for (const step of steps) {
      const { item } = step;
      if (item.key !== undefined && this.#ordered && stopped.has(item.key)) continue; // waits behind it
      if (item.state === 'released') {
        stopGroupIfReleased(item);
        continue;
      }
      switch (step.kind) {
        case 'publish':
          try {
            await step.stored;
            o.metrics.replied.inc(step.replies);
            this.#ack(item);
            this.#finish(item);
          } catch (error) {
            o.metrics.publishFailures.inc();
            const failure = publishFailure(error);
            const next: Step = isPermanentPublishFailure(failure)
              ? { item, kind: 'dead-letter', failure }
              : this.#retryOrGiveUp(item, failure);
            if (next.kind === 'retry') {
              if (item.key !== undefined && this.#ordered) stopped.add(item.key);
              this.#scheduleRetry(item, next.failure);
            } else if (next.kind === 'dead-letter') {
              await this.#deadLetter(item, next.failure, next.lastCode);
            }
          }
          break;
        case 'ack':
          this.#ack(item);
          this.#finish(item);
          break;
        case 'dead-letter':
          await this.#deadLetter(item, step.failure, step.lastCode);
          break;
        case 'retry':
          if (item.key !== undefined && this.#ordered) stopped.add(item.key);
          this.#scheduleRetry(item, step.failure);
          break;
        case 'follow':
          break;
      }
      stopGroupIfReleased(item);
    }
    // Followers of a retried message are back in the queue behind it (not in service any more);
    // messages the host did not run wait again in place.
    for (const step of steps) {
      if (step.kind !== 'follow' || step.item.state !== 'sending') continue;
      step.item.state = 'queued';
      this.#queue.putBack(step.item);
    }
    for (const item of items) if (item.state === 'sending') item.state = 'queued';
  }

  /** Counts the failed attempt; retries while the budget allows, else dead-letters. */
  #retryOrGiveUp(item: Held, failure: DeliveryFailure): Step {
    const o = this.#o;
    item.attempts++;
    const total = item.totalAttempts;
    if (o.guarantee === 'atmost_once' && failure.beforeInvocation !== true) {
      return { item, kind: 'dead-letter', failure };
    }
    if (!o.retry.allowsRetry(total)) {
      return {
        item,
        kind: 'dead-letter',
        failure: {
          code: BridgeErrors.retriesExhausted.code,
          status: failure.status,
          reason: `${total} attempts failed; the last: ${failure.reason}`,
        },
        lastCode: failure.code,
      };
    }
    o.journal.recordFailure(item.message, total);
    return { item, kind: 'retry', failure };
  }

  #scheduleRetry(item: Held, failure: DeliveryFailure): void {
    const o = this.#o;
    if (this.#stopping) {
      this.#release(item);
      return;
    }
    o.metrics.retried.inc();
    item.state = 'waiting';
    this.#queue.retryLater(item);
    const delay = o.retry.delayMs(item.totalAttempts, failure.retryAfterMs);
    o.logger.debug(
      {
        messageId: item.message.messageId.toString(),
        topic: item.message.topic,
        code: failure.code,
        status: failure.status,
        attempts: item.totalAttempts,
        delayMs: delay,
      },
      'delivery failed; retrying',
    );
    item.timer = o.timers.setTimeout(() => {
      item.timer = undefined;
      if (item.state !== 'waiting') return;
      item.state = 'queued';
      this.#queue.unblock(item);
      this.#dispatch();
    }, delay);
  }

  /** Publishes the dead letter (retrying until stored, or the stop), then acknowledges the input. */
  async #deadLetter(item: Held, failure: DeliveryFailure, lastCode?: string): Promise<void> {
    const o = this.#o;
    const message = item.message;
    for (let attempt = 1; ; attempt++) {
      try {
        await o.publisher.deadLetter(message, failure, {
          attempts: Math.max(1, item.totalAttempts),
          lastCode,
        });
        break;
      } catch (error) {
        o.metrics.publishFailures.inc();
        o.logger.warn(
          { err: error, messageId: message.messageId.toString(), topic: message.topic },
          'dead-lettering failed; trying again (the message stays unacknowledged)',
        );
        if (this.#stopping || !(await this.#sleep(o.retry.delayMs(attempt)))) {
          this.#release(item);
          return;
        }
      }
    }
    o.metrics.deadLettered.inc({ code: failure.code });
    o.logger.warn(
      {
        messageId: message.messageId.toString(),
        topic: message.topic,
        code: failure.code,
        status: failure.status,
        reason: failure.reason,
        attempts: item.totalAttempts,
      },
      'message dead-lettered',
    );
    this.#ack(item);
    this.#finish(item);
  }

  /** Resolves true after `ms`, or false at once when the dispatcher stops. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = this.#o.timers.setTimeout(() => {
        const at = this.#stopListeners.indexOf(wake);
        if (at >= 0) this.#stopListeners.splice(at, 1);
        resolve(true);
      }, ms);
      const wake = (): void => {
        this.#o.timers.clearTimeout(timer);
        resolve(false);
      };
      this.#stopListeners.push(wake);
    });
  }

  #ack(item: Held): void {
    if (item.acked || item.state === 'released') return;
    item.acked = true;
    const o = this.#o;
    if (o.guarantee === 'effectively_once') o.consumer.ackCumulative(item.message);
    else o.consumer.ack(item.message);
    o.metrics.acked.inc();
    o.metrics.endToEndLag.observe(Math.max(0, o.timers.now() - item.message.publishTime) / 1000);
  }

  #finish(item: Held): void {
    if (item.state === 'finished' || item.state === 'released') return;
    item.state = 'finished';
    this.#leave(item);
    if (item.totalAttempts > 0) this.#o.journal.forget(item.message);
  }

  /** Gives a message back: not acknowledged, so the broker redelivers it (to another replica). */
  #release(item: Held): void {
    if (item.state === 'finished' || item.state === 'released') return;
    if (item.timer !== undefined) {
      this.#o.timers.clearTimeout(item.timer);
      item.timer = undefined;
    }
    item.state = 'released';
    this.#released++;
    this.#o.metrics.released.inc();
    this.#leave(item);
  }

  #leave(item: Held): void {
    this.#queue.finish(item);
    const topic = item.message.topic;
    const left = (this.#heldPerTopic.get(topic) ?? 1) - 1;
    if (left === 0) this.#heldPerTopic.delete(topic);
    else this.#heldPerTopic.set(topic, left);
    this.#wakePull();
    if (this.#queue.size === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** Lets #pull look again whether there is room. */
  #wakePull(): void {
    const wake = this.#roomWaiter;
    this.#roomWaiter = undefined;
    wake?.();
  }

  /** Releases what is not being delivered right now (queued, or waiting for a retry). */
  #sweep(topic?: string): void {
    for (const item of this.#queue.all()) {
      if (topic !== undefined && item.message.topic !== topic) continue;
      if (item.state === 'queued' || item.state === 'waiting') this.#release(item);
    }
  }

  /**
   * Failover: this bridge is no longer the active consumer of `topic`; the broker now sends its
   * messages to another replica. What is not in delivery is given back.
   */
  releaseTopic(topic: string): void {
    this.#sweep(topic);
  }

  /**
   * Stop: no more pulling or new deliveries; what is queued or waiting for a retry is released at
   * once; deliveries in flight get `gracePeriodMs` to finish (answer, publish, acknowledge), the rest
   * is released. Acknowledgements made so far stand; the caller then flushes and closes.
   */
  async stop(gracePeriodMs: number): Promise<DispatcherStopReport> {
    this.#stopping = true;
    this.#wakePull();
    if (this.#batchTimer !== undefined) {
      this.#o.timers.clearTimeout(this.#batchTimer);
      this.#batchTimer = undefined;
    }
    for (const wake of this.#stopListeners.splice(0)) wake();
    this.#sweep();
    let drained = this.#queue.size === 0;
    if (!drained) {
      drained = await new Promise<boolean>((resolve) => {
        const timer = this.#o.timers.setTimeout(() => resolve(false), gracePeriodMs);
        this.#idleWaiters.push(() => {
          this.#o.timers.clearTimeout(timer);
          resolve(true);
        });
      });
    }
    for (const item of this.#queue.all()) this.#release(item);
    return { drained, released: this.#released };
  }
}
