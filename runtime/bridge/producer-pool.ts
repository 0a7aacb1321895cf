import type { Logger } from '../observability/create-logger.ts';
import { murmur3_32Hash } from '../pulsar/hashing/murmur3-32-hash.ts';
import type { Producer } from '../pulsar/producer/producer.ts';
import type { ProducerOptions } from '../pulsar/producer/producer-options.ts';
import type { CompressionName } from '../pulsar/protocol/compression-type.ts';
import { partitionName } from '../pulsar/topic-name.ts';

/** The part of the Pulsar client the pool needs (a fake in unit tests). */
export interface ProducerFactory {
  createProducer(options: ProducerOptions): Promise<Producer>;
  partitionCount(topic: string): Promise<number>;
}

export interface ProducerPoolOptions {
  readonly client: ProducerFactory;
  readonly compression: CompressionName;
  readonly maxPendingMessages: number;
  readonly batchDelayMs: number;
  readonly logger: Logger;
  /** Called once per topic before its first named (effectively-once) producer is created. */
  readonly ensureDeduplication?: (topic: string) => Promise<void>;
}

/** The producers of one name on one topic: one per partition, routed by the bridge itself. */
export interface NamedProducers {
  readonly parts: readonly Producer[];
  /** The partition for a message: key hash (Murmur3, as Pulsar Functions), else the sequence id. */
  pick(key: string | undefined, sequenceId: bigint): Producer;
}

/**
 * The bridge's producers, created on first use and kept: one per topic for replies and dead letters
 * (batching, `--compression`, `--max-pending-messages`, no send timeout: a send waits through
 * reconnects, as Pulsar Functions' producers do), and for effectively-once one per producer name and
 * topic partition, so that the sequence ids the broker tracks per name and partition are exact and a
 * keyless message always lands on the same partition again after a restart.
 */
export class ProducerPool {
  readonly #options: ProducerPoolOptions;
  readonly #plain = new Map<string, Promise<Producer>>();
  readonly #named = new Map<string, Promise<NamedProducers>>();
  readonly #deduplicated = new Map<string, Promise<void>>();
  /** Named producers being closed, by name and topic, until they are. */
  readonly #closing = new Map<string, Promise<void>>();
  #closed = false;

  constructor(options: ProducerPoolOptions) {
    this.#options = options;
  }

  /**
   * The shared producer of `topic` for replies, or for dead letters: those go out in chunks when
   * larger than an entry may be, as the Java client's dead-letter producer does (replies do not, as
   * Pulsar Functions' output producers do not: a Java consumer on a Shared subscription does not
   * join chunks). A failed creation is not cached: the next call tries again.
   */
  producer(topic: string, purpose: 'reply' | 'dead-letter' = 'reply'): Promise<Producer> {
    const id = `${purpose}\n${topic}`;
    let producer = this.#plain.get(id);
    if (producer === undefined) {
      producer = this.#create(topic, undefined, purpose === 'dead-letter');
      this.#plain.set(id, producer);
      producer.catch(() => this.#plain.delete(id));
    }
    return producer;
  }

  /** Effectively-once producers named `name` on every partition of `topic`. */
  named(name: string, topic: string): Promise<NamedProducers> {
    const id = `${name}\n${topic}`;
    let named = this.#named.get(id);
    if (named === undefined) {
      // A name still being closed (a partition handed over and back) is free only once closed.
      const closing = this.#closing.get(id);
      named =
        closing === undefined
          ? this.#createNamed(name, topic)
          : closing.then(() => this.#createNamed(name, topic));
      this.#named.set(id, named);
      named.catch(() => this.#named.delete(id));
    }
    return named;
  }

  /** Forgets a producer that failed for good (it is closed), so that the next use creates a new one. */
  discard(producer: Producer): void {
    for (const [id, p] of this.#plain) {
      void p.then(
        (q) => {
          if (q === producer && this.#plain.get(id) === p) this.#plain.delete(id);
        },
        () => undefined,
      );
    }
    for (const [id, n] of this.#named) {
      void n.then(
        (q) => {
          if (q.parts.includes(producer) && this.#named.get(id) === n) this.#named.delete(id);
        },
        () => undefined,
      );
    }
    void producer.close({ flushTimeoutMs: 0 }).catch(() => undefined);
  }

  /** Closes the producers with these names (their input partition moved to another replica). */
  async closeNamed(names: readonly string[]): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [id, n] of this.#named) {
      if (!names.includes(id.slice(0, id.indexOf('\n')))) continue;
      this.#named.delete(id);
      const closed = n.then(
        (q) => Promise.all(q.parts.map((p) => p.close())).then(() => undefined),
        () => undefined,
      );
      this.#closing.set(id, closed);
      void closed.then(() => {
        if (this.#closing.get(id) === closed) this.#closing.delete(id);
      });
      closing.push(closed);
    }
    await Promise.all(closing);
  }

  ensureDeduplication(topic: string): Promise<void> {
    const ensure = this.#options.ensureDeduplication;
    if (ensure === undefined) return Promise.resolve();
    let done = this.#deduplicated.get(topic);
    if (done === undefined) {
      done = ensure(topic);
      this.#deduplicated.set(topic, done);
      done.catch(() => this.#deduplicated.delete(topic));
    }
    return done;
  }

  async #createNamed(name: string, topic: string): Promise<NamedProducers> {
    await this.ensureDeduplication(topic);
    const partitions = await this.#options.client.partitionCount(topic);
    const topics =
      partitions === 0 ? [topic] : Array.from({ length: partitions }, (_, i) => partitionName(topic, i));
    const parts: Producer[] = [];
    try {
      for (const t of topics) parts.push(await this.#create(t, name));
    } catch (error) {
      await Promise.all(parts.map((p) => p.close().catch(() => undefined)));
      throw error;
    }
    const n = parts.length;
    return {
      parts,
      pick: (key, sequenceId) =>
        n === 1
          ? parts[0]!
          : parts[key === undefined ? Number(sequenceId % BigInt(n)) : murmur3_32Hash(key) % n]!,
    };
  }

  async #create(topic: string, producerName: string | undefined, chunking = false): Promise<Producer> {
    if (this.#closed) throw new Error('the bridge is stopping');
    const o = this.#options;
    const producer = await o.client.createProducer({
      topic,
      ...(producerName === undefined ? {} : { producerName }),
      batching: { enabled: true, maxMessages: 1000, maxBytes: 128 * 1024, maxDelayMs: o.batchDelayMs },
      compression: o.compression,
      sendTimeoutMs: 0,
      maxPendingMessages: o.maxPendingMessages,
      hashingScheme: 'murmur3-32',
      chunking,
    });
    o.logger.info({ topic, producerName: producer.producerName }, 'producer ready');
    return producer;
  }

  /** Flushes (within `flushTimeoutMs`) and closes every producer. */
  async close(flushTimeoutMs: number): Promise<void> {
    this.#closed = true;
    const all: Promise<unknown>[] = [];
    for (const p of this.#plain.values()) {
      all.push(
        p.then(
          (q) => q.close({ flushTimeoutMs }),
          () => undefined,
        ),
      );
    }
    for (const n of this.#named.values()) {
      all.push(
        n.then(
          (q) => Promise.all(q.parts.map((p) => p.close({ flushTimeoutMs }))),
          () => undefined,
        ),
      );
    }
    this.#plain.clear();
    this.#named.clear();
    await Promise.allSettled(all);
  }
}
