import type { Logger } from '../observability/create-logger.ts';
import type { Message } from '../pulsar/consumer/message.ts';
import type { Timers } from '../pulsar/timers.ts';

/**
 * How many deliveries of a message failed before: the durable half of the retry count
 * (ADR 0021). In-process retries keep ordering, but their count dies with the process; the broker's
 * `redeliveryCount` survives a consumer crash only while other consumers of the subscription remain
 * (it is kept in the broker's memory, cleared when the last consumer leaves or the broker restarts,
 * and always 0 on Failover and Exclusive subscriptions). Without a durable count, a bridge that
 * restarts while a poison message is being retried would retry it forever (eventing-kafka-broker
 * #3746). The journal records failed attempts durably, so the count survives restarts.
 */
export interface AttemptJournal {
  /** Attempts made before this process got the message: recorded failures and broker redeliveries. */
  priorAttempts(message: Message): number | Promise<number>;
  /** After a failed attempt: `attempts` attempts of the message have failed in total. */
  recordFailure(message: Message, attempts: number): void;
  /** The message is finished (acknowledged or dead-lettered): its record can go. */
  forget(message: Message): void;
  /** Reads the records of these topics (at start). */
  load(topics: readonly string[]): Promise<void>;
  /** Writes what is pending. */
  flush(): Promise<void>;
}

/** Without an admin API: the broker's redelivery count is all there is. */
export const redeliveryCountOnly: AttemptJournal = {
  priorAttempts: (message) => message.redeliveryCount,
  recordFailure: () => undefined,
  forget: () => undefined,
  load: () => Promise.resolve(),
  flush: () => Promise.resolve(),
};

/** The admin calls the journal needs (subscription properties, persisted in the cursor). */
export interface SubscriptionPropertiesStore {
  subscriptionProperties(topic: string, subscription: string): Promise<Record<string, string>>;
  setSubscriptionProperties(
    topic: string,
    subscription: string,
    properties: Record<string, string>,
  ): Promise<void>;
}

export interface SubscriptionAttemptJournalOptions {
  readonly store: SubscriptionPropertiesStore;
  readonly subscription: string;
  readonly timers: Timers;
  readonly logger: Logger;
  /** Failures are written at most this often (batched per topic). Default 1 s. */
  readonly flushIntervalMs?: number;
  /** A redelivered message triggers a re-read of its topic's records at most this often. Default 5 s. */
  readonly refreshIntervalMs?: number;
  /** Records not updated for this long are dropped (left behind by a race). Default 7 days. */
  readonly maxAgeMs?: number;
}

export const ATTEMPTS_PROPERTY_PREFIX = 'knmesh.attempts.';
const MAX_RECORDS_PER_TOPIC = 1000;

interface TopicRecords {
  readonly topic: string;
  /** message key → attempts, as last read or written. */
  readonly durable: Map<string, number>;
  /** Written by this process, not yet flushed. */
  readonly pending: Map<string, number>;
  readonly removals: Set<string>;
  loaded: boolean;
  loadedAt: number;
  loading: Promise<void> | undefined;
}

/**
 * The attempt journal in the subscription's own properties (`knmesh.attempts.<ledger>:<entry>:<batch>`
 * = `<attempts>:<epoch seconds>`, on the cursor of the message's topic partition, through the admin
 * API). Only messages that failed are written, batched once a second; a finished message's record is
 * removed. Bridge replicas share the records: a write reads, merges (highest count wins) and writes
 * the whole set, so a concurrent write can undo another's last update for a moment — counts are
 * approximate in that case, never lost for good, and records left behind expire.
 */
export class SubscriptionAttemptJournal implements AttemptJournal {
  readonly #o: Required<Omit<SubscriptionAttemptJournalOptions, 'store' | 'timers' | 'logger'>> &
    SubscriptionAttemptJournalOptions;
  readonly #topics = new Map<string, TopicRecords>();
  #timer: unknown;
  #flushing: Promise<void> | undefined;

  constructor(options: SubscriptionAttemptJournalOptions) {
    this.#o = { flushIntervalMs: 1000, refreshIntervalMs: 5000, maxAgeMs: 7 * 24 * 3600_000, ...options };
  }

  async load(topics: readonly string[]): Promise<void> {
    await Promise.all(topics.map((t) => this.#refresh(this.#records(t))));
  }

  priorAttempts(message: Message): number | Promise<number> {
    const records = this.#records(message.topic);
    const stale = this.#o.timers.now() - records.loadedAt > this.#o.refreshIntervalMs;
    // A redelivered message may have failed on a replica that wrote after we last read.
    if (!records.loaded || (message.redeliveryCount > 0 && stale)) {
      return this.#refresh(records).then(
        () => this.#lookup(records, message),
        () => this.#lookup(records, message),
      );
    }
    return this.#lookup(records, message);
  }

  #lookup(records: TopicRecords, message: Message): number {
    if (records.durable.size === 0 && records.pending.size === 0) return message.redeliveryCount;
    const key = keyOf(message);
    return Math.max(records.pending.get(key) ?? 0, records.durable.get(key) ?? 0, message.redeliveryCount);
  }

  recordFailure(message: Message, attempts: number): void {
    const records = this.#records(message.topic);
    const key = keyOf(message);
    records.removals.delete(key);
    records.pending.set(key, Math.max(attempts, records.pending.get(key) ?? 0));
    this.#schedule();
  }

  forget(message: Message): void {
    const records = this.#topics.get(message.topic);
    if (records === undefined || (records.durable.size === 0 && records.pending.size === 0)) return;
    const key = keyOf(message);
    records.pending.delete(key); // never written: nothing more to do
    if (records.durable.has(key)) {
      records.removals.add(key);
      this.#schedule();
    }
  }

  #records(topic: string): TopicRecords {
    let records = this.#topics.get(topic);
    if (records === undefined) {
      records = {
        topic,
        durable: new Map(),
        pending: new Map(),
        removals: new Set(),
        loaded: false,
        loadedAt: 0,
        loading: undefined,
      };
      this.#topics.set(topic, records);
    }
    return records;
  }

  #refresh(records: TopicRecords): Promise<void> {
    const topic = records.topic;
    records.loading ??= this.#o.store
      .subscriptionProperties(topic, this.#o.subscription)
      .then((properties) => {
        records.durable.clear();
        for (const [key, attempts] of parse(properties, this.#o.timers.now(), this.#o.maxAgeMs)) {
          records.durable.set(key, attempts);
        }
      })
      .catch((error: unknown) => {
        this.#o.logger.warn(
          { err: error, topic },
          'attempt journal: cannot read the subscription properties',
        );
      })
      .finally(() => {
        records.loaded = true;
        records.loadedAt = this.#o.timers.now();
        records.loading = undefined;
      });
    return records.loading;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#o.flushIntervalMs);
  }

  /** Writes every topic with pending changes: read, merge, write. Failures stay pending. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flushAll().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flushAll(): Promise<void> {
    for (const [topic, records] of this.#topics) {
      if (records.pending.size === 0 && records.removals.size === 0) continue;
      const pending = new Map(records.pending);
      const removals = new Set(records.removals);
      try {
        const current = await this.#o.store.subscriptionProperties(topic, this.#o.subscription);
        const now = this.#o.timers.now();
        const merged = parse(current, now, this.#o.maxAgeMs);
        for (const [key, attempts] of pending) merged.set(key, Math.max(attempts, merged.get(key) ?? 0));
        for (const key of removals) merged.delete(key);
        const properties: Record<string, string> = {};
        for (const [name, value] of Object.entries(current)) {
          if (!name.startsWith(ATTEMPTS_PROPERTY_PREFIX)) properties[name] = value;
        }
        const stamps = stampsOf(current);
        const kept = [...merged.entries()].slice(-MAX_RECORDS_PER_TOPIC);
        const stamp = Math.floor(now / 1000);
        for (const [key, attempts] of kept) {
          const at = pending.has(key) ? stamp : (stamps.get(key) ?? stamp);
          properties[ATTEMPTS_PROPERTY_PREFIX + key] = `${attempts}:${at}`;
        }
        await this.#o.store.setSubscriptionProperties(topic, this.#o.subscription, properties);
        records.durable.clear();
        for (const [key, attempts] of kept) records.durable.set(key, attempts);
        for (const [key, attempts] of pending)
          if (records.pending.get(key) === attempts) records.pending.delete(key);
        for (const key of removals) records.removals.delete(key);
      } catch (error) {
        this.#o.logger.warn(
          { err: error, topic },
          'attempt journal: cannot write the subscription properties',
        );
        this.#schedule();
      }
    }
  }

  /** Stops the timer; `flush()` once more writes what is left. */
  stop(): void {
    this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function keyOf(message: Message): string {
  const id = message.messageId;
  return `${id.ledgerId}:${id.entryId}:${id.batchIndex}`;
}

function parse(properties: Record<string, string>, now: number, maxAgeMs: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(properties)) {
    if (!name.startsWith(ATTEMPTS_PROPERTY_PREFIX)) continue;
    const match = /^(\d{1,9}):(\d{1,12})$/.exec(value);
    if (match === null) continue;
    if (now - Number(match[2]) * 1000 > maxAgeMs) continue;
    out.set(name.slice(ATTEMPTS_PROPERTY_PREFIX.length), Number(match[1]));
  }
  return out;
}

function stampsOf(properties: Record<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of Object.entries(properties)) {
    if (!name.startsWith(ATTEMPTS_PROPERTY_PREFIX)) continue;
    const at = Number(value.split(':')[1]);
    if (Number.isFinite(at)) out.set(name.slice(ATTEMPTS_PROPERTY_PREFIX.length), at);
  }
  return out;
}
