import type { Message } from '../pulsar/consumer/message.ts';
import type { MessageId } from '../pulsar/message-id.ts';
import type { Producer } from '../pulsar/producer/producer.ts';
import type { ProducerMessage } from '../pulsar/producer/producer-options.ts';
import { PulsarErrors } from '../pulsar/pulsar-errors.ts';
import { BridgeErrors } from './bridge-errors.ts';
import { defaultDeadLetterTopic, toDeadLetterMessage } from './dead-letter-message.ts';
import type { DeliveryFailure, Reply } from './delivery-outcome.ts';
import { effectivelyOnceSequenceId } from './effectively-once-sequence.ts';
import type { ProducerPool } from './producer-pool.ts';
import { toReplyMessage } from './reply-message.ts';
import type { ReplyTopics } from './reply-topics.ts';

export interface ReplyPublisherOptions {
  readonly pool: ProducerPool;
  readonly topics: ReplyTopics;
  readonly forwardProperties: boolean;
  readonly subscription: string;
  /** `--dead-letter-topic`; undefined: `<input topic>-<subscription>-DLQ`. */
  readonly deadLetterTopic: string | undefined;
  /** Effectively-once: named producers and sequence ids derived from the input (ADR 0022). */
  readonly effectivelyOnce: boolean;
  /** Largest payload published; bigger replies dead-letter their input (the broker's default maximum). */
  readonly maxMessageBytes: number;
}

/** Publishing started: every reply is queued in its producer, in order; `stored` settles with the broker. */
export type PublishStart =
  { readonly stored: Promise<void> } | { readonly failure: DeliveryFailure; readonly deadLetter: boolean };

/** Effectively-once: the reply indexes handed out for one input entry. */
interface EntryIndexes {
  /** Batch index → first reply index of that message. */
  readonly starts: Map<number, number>;
  /** The next free reply index of the entry. */
  next: number;
}

/** Entries remembered per input partition (messages redelivered in the same session find theirs). */
const REMEMBERED_ENTRIES = 10_000;

/**
 * Turns the replies of an input into Pulsar messages and publishes them: topics checked first (one
 * refused topic and nothing of that input is published), properties and key as `toReplyMessage`
 * says, and with effectively-once a producer named after the subscription and the input partition and
 * sequence ids from the input position, skipping what the broker already stored before a restart.
 * Also publishes dead letters.
 */
export class ReplyPublisher {
  readonly #o: ReplyPublisherOptions;
  /** Effectively-once: per input partition, per entry (`ledger:entry`), the reply indexes handed out. */
  readonly #entries = new Map<string, Map<string, EntryIndexes>>();

  constructor(options: ReplyPublisherOptions) {
    this.#o = options;
  }

  /** The producer name of an input partition's effectively-once producers. */
  producerNameFor(inputTopic: string): string {
    return `${this.#o.subscription}@${inputTopic}`;
  }

  /**
   * Queues the replies of `input` in order (creating producers as needed) and resolves with their
   * completion, or with the failure that keeps the input from being published. Later inputs' replies
   * queue behind these, which keeps key and partition order on the output topics.
   */
  async start(input: Message, replies: readonly Reply[]): Promise<PublishStart> {
    if (replies.length === 0) return { stored: Promise.resolve() };
    const planned: { topic: string; message: ProducerMessage }[] = [];
    for (const reply of replies) {
      const destination = this.#o.topics.resolve(reply.topic);
      if ('refused' in destination) {
        return {
          failure: failure(
            BridgeErrors.replyTopicRefused,
            `reply topic ${JSON.stringify(destination.refused)} is not --output or an --allowed-reply-topic`,
          ),
          deadLetter: true,
        };
      }
      if ('noOutput' in destination) {
        return {
          failure: failure(
            BridgeErrors.noOutputTopic,
            'a reply names no topic and the bridge has no --output',
          ),
          deadLetter: true,
        };
      }
      if (reply.payload.length > this.#o.maxMessageBytes) {
        return {
          failure: failure(
            BridgeErrors.replyTooLarge,
            `a reply of ${reply.payload.length} bytes is larger than ${this.#o.maxMessageBytes} bytes`,
          ),
          deadLetter: true,
        };
      }
      planned.push({
        topic: destination.topic,
        message: toReplyMessage(input, reply, this.#o.forwardProperties),
      });
    }
    try {
      // `stored` is not awaited here: it settles later, once the broker has the messages.
      return this.#o.effectivelyOnce ? await this.#sendOnce(input, planned) : await this.#send(planned);
    } catch (error) {
      return { failure: publishFailure(error), deadLetter: false };
    }
  }

  async #send(
    planned: readonly { topic: string; message: ProducerMessage }[],
  ): Promise<{ stored: Promise<void> }> {
    // Every producer first: a failure then leaves no reply of this input on its way.
    const producers: Producer[] = [];
    for (const { topic } of planned) producers.push(await this.#o.pool.producer(topic));
    const sends = planned.map(({ message }, i) => this.#watch(producers[i]!, producers[i]!.send(message)));
    return { stored: allSettledOrFirstFailure(sends) };
  }

  async #sendOnce(
    input: Message,
    planned: readonly { topic: string; message: ProducerMessage }[],
  ): Promise<{ stored: Promise<void> }> {
    const id = input.messageId;
    const start = this.#reserve(input, planned.length);
    const name = this.producerNameFor(input.topic);
    // Every sequence id and producer first: a failure then leaves no reply of this input on its way.
    const targets: { producer: Producer; sequenceId: bigint }[] = [];
    for (let i = 0; i < planned.length; i++) {
      const { topic, message } = planned[i]!;
      const sequenceId = effectivelyOnceSequenceId(id, start + i);
      if (sequenceId === undefined) throw overflow(id, start + i);
      const producers = await this.#o.pool.named(name, topic);
      targets.push({ producer: producers.pick(message.key, sequenceId), sequenceId });
    }
    const sends: Promise<unknown>[] = [];
    targets.forEach(({ producer, sequenceId }, i) => {
      // Stored before a restart: the broker would drop it anyway; skipping saves the round trip.
      if (sequenceId <= producer.lastSequenceId) return;
      sends.push(this.#watch(producer, producer.send({ ...planned[i]!.message, sequenceId })));
    });
    return { stored: allSettledOrFirstFailure(sends) };
  }

  /**
   * The first reply index of `input` within its entry (effectively-once): handed out in processing
   * order, which within an input partition is the entries' order and, inside a batched entry, the
   * batch order — the same after a restart, which processes the entry again from its first message.
   * A message seen again (retried, or redelivered in this session after a reconnect) keeps its start,
   * so its replies get the same sequence ids and are skipped or dropped as already stored.
   */
  #reserve(input: Message, count: number): number {
    const id = input.messageId;
    let entries = this.#entries.get(input.topic);
    if (entries === undefined) {
      entries = new Map();
      this.#entries.set(input.topic, entries);
    }
    const key = `${id.ledgerId}:${id.entryId}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = { starts: new Map(), next: 0 };
      entries.set(key, entry);
      if (entries.size > REMEMBERED_ENTRIES) entries.delete(entries.keys().next().value!);
    }
    let start = entry.starts.get(id.batchIndex);
    if (start === undefined) {
      start = entry.next;
      entry.starts.set(id.batchIndex, start);
    }
    entry.next = Math.max(entry.next, start + count);
    return start;
  }

  /** A producer that failed for good is replaced on the next use. */
  #watch(producer: Producer, sending: Promise<unknown>): Promise<unknown> {
    return sending.catch((error: unknown) => {
      if (!PulsarErrors.messageTooLarge.is(error)) this.#o.pool.discard(producer);
      throw error;
    });
  }

  /** The dead-letter topic of a message. */
  deadLetterTopicOf(input: Message): string {
    return this.#o.deadLetterTopic ?? defaultDeadLetterTopic(input.topic, this.#o.subscription);
  }

  /** Publishes the dead letter of `input`; resolves once stored, rejects when it could not be. */
  async deadLetter(
    input: Message,
    why: DeliveryFailure,
    context: { readonly attempts: number; readonly lastCode?: string | undefined },
  ): Promise<void> {
    const topic = this.deadLetterTopicOf(input);
    const message = toDeadLetterMessage(input, why, { ...context, subscription: this.#o.subscription });
    // A dead letter too large for one entry needs chunks, which the de-duplicated producers do not
    // send: it takes the plain producer, at least once (a restart may write it twice).
    if (this.#o.effectivelyOnce && message.payload.length <= this.#o.maxMessageBytes) {
      const index = input.messageId.batchIndex < 0 ? 0 : input.messageId.batchIndex;
      const sequenceId = effectivelyOnceSequenceId(input.messageId, index);
      if (sequenceId !== undefined) {
        const producers = await this.#o.pool.named(`${this.producerNameFor(input.topic)}#dlq`, topic);
        const producer = producers.pick(message.key, sequenceId);
        if (sequenceId <= producer.lastSequenceId) return;
        await this.#watch(producer, producer.send({ ...message, sequenceId }));
        return;
      }
      // An id outside the layout cannot be de-duplicated: it is published at least once.
    }
    const producer = await this.#o.pool.producer(topic, 'dead-letter');
    await this.#watch(producer, producer.send(message));
  }
}

function failure(definition: { code: string; status: number }, reason: string): DeliveryFailure {
  return { code: definition.code, status: undefined, reason };
}

function overflow(id: MessageId, index: number): Error {
  return BridgeErrors.sequenceOverflow.create(
    `message ${id.toString()} (reply ${index}) does not fit the effectively-once sequence id layout`,
  );
}

/** Why publishing failed, and whether retrying can help. */
export function publishFailure(error: unknown): DeliveryFailure {
  if (PulsarErrors.messageTooLarge.is(error)) {
    return { code: BridgeErrors.replyTooLarge.code, status: undefined, reason: error.message };
  }
  if (BridgeErrors.sequenceOverflow.is(error)) {
    return { code: error.code, status: undefined, reason: error.message };
  }
  const text = error instanceof Error ? error.message : String(error);
  return {
    code: BridgeErrors.publishFailed.code,
    status: undefined,
    reason: `publishing a reply failed: ${text}`,
  };
}

/** Whether a publish failure dead-letters the input (retrying cannot make it fit). */
export function isPermanentPublishFailure(failure: DeliveryFailure): boolean {
  return (
    failure.code === BridgeErrors.replyTooLarge.code || failure.code === BridgeErrors.sequenceOverflow.code
  );
}

/**
 * Settles once every send has, rejecting with the first failure: an input is neither retried nor
 * counted out of --max-in-flight while some of its replies are still on their way.
 */
function allSettledOrFirstFailure(sends: readonly Promise<unknown>[]): Promise<void> {
  if (sends.length === 1) return sends[0]!.then(() => undefined);
  return Promise.allSettled(sends).then((results) => {
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  });
}
