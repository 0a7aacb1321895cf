import { Registry } from 'prom-client';
import type { HttpMessage } from '../../../../runtime/cloudevents/http-message.ts';
import type { AttemptJournal } from '../../../../runtime/bridge/attempt-journal.ts';
import {
  BridgeDispatcher,
  type BridgeDispatcherOptions,
  type BridgeConsumer,
} from '../../../../runtime/bridge/bridge-dispatcher.ts';
import { BridgeMetrics } from '../../../../runtime/bridge/bridge-metrics.ts';
import type { DeliveryFailure, Reply } from '../../../../runtime/bridge/delivery-outcome.ts';
import type { DeliverySender, SinkFailure, SinkResponse } from '../../../../runtime/bridge/http-sender.ts';
import type { PublishStart, ReplyPublisher } from '../../../../runtime/bridge/reply-publisher.ts';
import { RetryPolicy } from '../../../../runtime/bridge/retry-policy.ts';
import { silentLogger } from '../../../../runtime/observability/create-logger.ts';
import { Message } from '../../../../runtime/pulsar/consumer/message.ts';
import { MessageId } from '../../../../runtime/pulsar/message-id.ts';
import type { Timers } from '../../../../runtime/pulsar/timers.ts';

/** A clock that moves only when told to; due timers run in order. */
export class FakeTimers implements Timers {
  #now = 0;
  #queue: { at: number; fn: () => void; id: number }[] = [];
  #next = 0;

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#queue.push({ at: this.#now + ms, fn, id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#queue = this.#queue.filter((t) => t.id !== handle);
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Runs every timer due within `ms` from now (letting promises settle between them). */
  async advance(ms: number): Promise<void> {
    const until = this.#now + ms;
    for (let i = 0; i < 10_000; i++) {
      await settle();
      this.#queue.sort((a, b) => a.at - b.at || a.id - b.id);
      const due = this.#queue[0];
      if (due === undefined || due.at > until) break;
      this.#queue.shift();
      this.#now = due.at;
      due.fn();
    }
    this.#now = until;
    await settle();
  }
}

/** Lets every pending promise chain run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

let ledger = 100;

/** A real consumer `Message` (its owner does nothing). */
export function message(
  init: {
    payload?: string;
    key?: string;
    topic?: string;
    properties?: Record<string, string>;
    redeliveryCount?: number;
    entryId?: number;
    batchIndex?: number;
  } = {},
): Message {
  const entryId = init.entryId ?? ledger++;
  return new Message({
    messageId: new MessageId(7, entryId, -1, init.batchIndex ?? -1, init.batchIndex === undefined ? 0 : 10),
    topic: init.topic ?? 'persistent://public/default/in',
    payload: Buffer.from(init.payload ?? 'x'),
    key: init.key,
    orderingKey: undefined,
    properties: init.properties ?? { 'content-type': 'text/plain' },
    publishTime: 0,
    eventTime: 0,
    redeliveryCount: init.redeliveryCount ?? 0,
    producerName: 'p',
    sequenceId: 0n,
    owner: { messageTaken: () => undefined },
    batch: undefined,
  });
}

/** A consumer fed by the test; records acknowledgements. */
export class FakeConsumer implements BridgeConsumer {
  readonly acked: string[] = [];
  readonly cumulative: string[] = [];
  /** How many messages the bridge has taken. */
  taken = 0;
  #queue: Message[] = [];
  #waiter: ((m: Message) => void) | undefined;

  feed(...messages: Message[]): void {
    for (const m of messages) {
      const w = this.#waiter;
      if (w !== undefined) {
        this.#waiter = undefined;
        this.taken++;
        w(m);
      } else this.#queue.push(m);
    }
  }

  receive(): Promise<Message> {
    const m = this.#queue.shift();
    if (m !== undefined) {
      this.taken++;
      return Promise.resolve(m);
    }
    return new Promise((resolve) => (this.#waiter = resolve));
  }

  ack(m: Message): void {
    this.acked.push(payloadOf(m));
  }

  ackCumulative(m: Message): void {
    this.cumulative.push(payloadOf(m));
  }
}

/** What the fake function answers, per delivered request. */
export type Answer = SinkResponse | SinkFailure;

/** A function answering through `handle`, recording every request; `hold()` keeps answers back. */
export class FakeSender implements DeliverySender {
  readonly requests: HttpMessage[] = [];
  inFlight = 0;
  maxInFlight = 0;
  #held: (() => void)[] | undefined;
  readonly #handle: (request: HttpMessage, index: number) => Answer;

  constructor(handle: (request: HttpMessage, index: number) => Answer) {
    this.#handle = handle;
  }

  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const go of held) go();
  }

  async send(request: HttpMessage): Promise<Answer> {
    const index = this.requests.push(request) - 1;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.#held !== undefined) await new Promise<void>((resolve) => this.#held!.push(resolve));
    this.inFlight--;
    return this.#handle(request, index);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The payload texts (binary mode) of the requests, in order. */
  get bodies(): string[] {
    return this.requests.map((r) => (typeof r.body === 'string' ? r.body : r.body.toString()));
  }
}

export const ok = (body = '', headers: Record<string, string> = {}): SinkResponse => ({
  status: body === '' ? 204 : 200,
  headers,
  body: Buffer.from(body),
});

export const status = (
  code: number,
  errorCode?: string,
  extra: Record<string, string> = {},
): SinkResponse => ({
  status: code,
  headers: { 'content-type': 'application/json', ...extra },
  body: Buffer.from(
    JSON.stringify({
      code: errorCode ?? `CODE_${code}`,
      message: `failed with ${code}`,
      retryable: code >= 500,
    }),
  ),
});

/** Records what would be published; publishing can be made to fail. */
export class FakePublisher implements Pick<ReplyPublisher, 'start' | 'deadLetter'> {
  readonly published: { input: string; replies: number }[] = [];
  readonly deadLetters: { input: string; failure: DeliveryFailure; attempts: number; lastCode?: string }[] =
    [];
  failNext: Error | undefined;
  refuse: boolean = false;
  deadLetterFailures = 0;
  /** When true, replies are not stored until storeHeld() (a slow output topic). */
  holdStores = false;
  readonly #heldStores: (() => void)[] = [];

  /** Stores every reply held so far. */
  storeHeld(): void {
    for (const store of this.#heldStores.splice(0)) store();
  }

  start(input: Message, replies: readonly Reply[]): Promise<PublishStart> {
    if (this.refuse && replies.length > 0) {
      return Promise.resolve({
        failure: { code: 'KNMESH_BRIDGE_REPLY_TOPIC_REFUSED', status: undefined, reason: 'refused' },
        deadLetter: true,
      });
    }
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) return Promise.resolve({ stored: Promise.reject(failure) });
    this.published.push({ input: payloadOf(input), replies: replies.length });
    if (this.holdStores) {
      return Promise.resolve({ stored: new Promise<void>((resolve) => this.#heldStores.push(resolve)) });
    }
    return Promise.resolve({ stored: Promise.resolve() });
  }

  deadLetter(
    input: Message,
    failure: DeliveryFailure,
    context: { attempts: number; lastCode?: string | undefined },
  ): Promise<void> {
    if (this.deadLetterFailures > 0) {
      this.deadLetterFailures--;
      return Promise.reject(new Error('dead-letter topic unavailable'));
    }
    this.deadLetters.push({
      input: payloadOf(input),
      failure,
      attempts: context.attempts,
      ...(context.lastCode === undefined ? {} : { lastCode: context.lastCode }),
    });
    return Promise.resolve();
  }
}

/** A journal in memory (what the durable one would return). */
export class FakeJournal implements AttemptJournal {
  readonly records = new Map<string, number>();
  readonly forgotten: string[] = [];

  priorAttempts(m: Message): number {
    return Math.max(this.records.get(payloadOf(m)) ?? 0, m.redeliveryCount);
  }

  recordFailure(m: Message, attempts: number): void {
    this.records.set(payloadOf(m), attempts);
  }

  forget(m: Message): void {
    this.forgotten.push(payloadOf(m));
  }

  load(): Promise<void> {
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }
}

export function payloadOf(m: Message): string {
  return m.payload.toString();
}

export interface Rig {
  readonly dispatcher: BridgeDispatcher;
  readonly consumer: FakeConsumer;
  readonly sender: FakeSender;
  readonly publisher: FakePublisher;
  readonly journal: FakeJournal;
  readonly timers: FakeTimers;
  readonly metrics: BridgeMetrics;
  readonly registry: Registry;
}

/** A dispatcher with fakes around it; `handle` plays the function. */
export function rig(
  handle: (request: HttpMessage, index: number) => Answer,
  options: Partial<Omit<BridgeDispatcherOptions, 'retry'>> & { maxRetries?: number } = {},
): Rig {
  const consumer = new FakeConsumer();
  const sender = new FakeSender(handle);
  const publisher = new FakePublisher();
  const journal = new FakeJournal();
  const timers = new FakeTimers();
  const registry = new Registry();
  const ref: { dispatcher?: BridgeDispatcher } = {};
  const metrics = new BridgeMetrics(registry, {
    held: () => ref.dispatcher?.held ?? 0,
    requests: () => ref.dispatcher?.requests ?? 0,
    connected: () => true,
  });
  const dispatcher = new BridgeDispatcher({
    consumer,
    sender,
    publisher,
    journal,
    timers,
    guarantee: 'atleast_once',
    subscriptionType: 'shared',
    delivery: 'binary',
    batchSize: 10,
    batchMaxWaitMs: 5,
    maxInFlight: 100,
    timeoutMs: 1000,
    metrics,
    logger: silentLogger(),
    ...options,
    retry: new RetryPolicy({
      maxRetries: options.maxRetries ?? 3,
      initialMs: 100,
      maxMs: 1000,
      random: () => 1,
    }),
  });
  ref.dispatcher = dispatcher;
  return { dispatcher, consumer, sender, publisher, journal, timers, metrics, registry };
}

/** The `ce-partitionkey` or payload of a binary-mode request. */
export function bodyOf(request: HttpMessage): string {
  return typeof request.body === 'string' ? request.body : request.body.toString();
}

/** A metric's value from the registry. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return Number.NaN;
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))
    .reduce((sum, v) => sum + v.value, 0);
}
