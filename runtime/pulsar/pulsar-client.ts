import { EventEmitter } from 'node:events';
import { silentLogger, type Logger } from '../observability/create-logger.ts';
import { noAuthentication } from './auth/authentication.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from './backoff.ts';
import type { AttachedHandle, ClientContext } from './client-context.ts';
import { ConnectionPool } from './connection/connection-pool.ts';
import { ReconnectLoop } from './connection/reconnect-loop.ts';
import type { PulsarConnection } from './connection/pulsar-connection.ts';
import { Consumer } from './consumer/consumer.ts';
import type { ConsumerOptions, SubscriptionType } from './consumer/consumer-options.ts';
import { TopicConsumer, type TopicConsumerSettings } from './consumer/topic-consumer.ts';
import { PartitionProducer } from './producer/partition-producer.ts';
import { Producer } from './producer/producer.ts';
import type { ProducerOptions } from './producer/producer-options.ts';
import { PulsarErrors, serverError } from './pulsar-errors.ts';
import type { PulsarClientOptions } from './pulsar-client-options.ts';
import { CommandType, SubType } from './protocol/command-type.ts';
import { COMPRESSION_BY_NAME } from './protocol/compression-type.ts';
import { compileTopicPattern, matchesTopicPattern } from './topic-pattern.ts';
import { parseTopicName, partitionName } from './topic-name.ts';
import { systemTimers, type Timers } from './timers.ts';

const MAX_LOOKUP_REDIRECTS = 20;

/** A topic or one partition of it to consume (`partition` -1: a plain topic). */
interface Target {
  readonly topic: string;
  readonly partition: number;
}

/** What to consume of a topic with `count` partitions: the partitions, or the topic itself when 0. */
function partitionsOf(topic: string, count: number): Target[] {
  return count === 0
    ? [{ topic, partition: -1 }]
    : Array.from({ length: count }, (_, i) => ({ topic: partitionName(topic, i), partition: i }));
}
const SUB_TYPES: Record<string, SubType> = {
  exclusive: SubType.Exclusive,
  shared: SubType.Shared,
  failover: SubType.Failover,
  key_shared: SubType.Key_Shared,
};

/**
 * A client of Pulsar's binary protocol (pure TypeScript). One client holds a connection pool;
 * producers and consumers created from it reconnect by themselves. `connected` is true while
 * every producer and consumer is attached to its broker; `connected` / `disconnected` events
 * mark the changes (for readiness probes).
 */
export class PulsarClient extends EventEmitter<{ connected: []; disconnected: [] }> implements ClientContext {
  readonly timers: Timers;
  readonly logger: Logger;
  readonly backoff: BackoffOptions;
  readonly operationTimeoutMs: number;
  private readonly serviceAddresses: string[];
  private readonly useTls: boolean;
  private readonly pool: ConnectionPool;
  private serviceIndex = 0;
  private nextProducerId = 0;
  private nextConsumerId = 0;
  private readonly handles = new Set<AttachedHandle>();
  private readonly closables = new Set<{ close(): Promise<void> }>();
  private lastConnected = true;
  private closed = false;

  constructor(options: PulsarClientOptions) {
    super();
    const url = parseServiceUrl(options.serviceUrl);
    this.serviceAddresses = url.addresses;
    this.useTls = url.tls;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? silentLogger();
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.pool = new ConnectionPool({
      useTls: url.tls,
      tls: options.tls ?? {},
      authentication: options.authentication ?? noAuthentication,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 10_000,
      operationTimeoutMs: this.operationTimeoutMs,
      keepAliveIntervalMs: options.keepAliveIntervalMs ?? 30_000,
      timers: this.timers,
      logger: this.logger,
    });
  }

  /** True while every producer and consumer of this client is attached to a broker. */
  get connected(): boolean {
    if (this.closed) return false;
    for (const handle of this.handles) if (!handle.connected) return false;
    return true;
  }

  newProducerId(): number {
    return this.nextProducerId++;
  }

  newConsumerId(): number {
    return this.nextConsumerId++;
  }

  attach(handle: AttachedHandle): void {
    this.handles.add(handle);
    this.stateChanged();
  }

  detach(handle: AttachedHandle): void {
    this.handles.delete(handle);
    this.stateChanged();
  }

  stateChanged(): void {
    const now = this.connected;
    if (now === this.lastConnected) return;
    this.lastConnected = now;
    this.emit(now ? 'connected' : 'disconnected');
  }

  private ensureOpen(): void {
    if (this.closed) throw PulsarErrors.clientClosed.create('the Pulsar client is closed');
  }

  private async serviceConnection(): Promise<PulsarConnection> {
    let lastError: unknown;
    for (let i = 0; i < this.serviceAddresses.length; i++) {
      const address = this.serviceAddresses[this.serviceIndex % this.serviceAddresses.length]!;
      try {
        return await this.pool.get(address, address);
      } catch (error) {
        lastError = error;
        this.serviceIndex++;
      }
    }
    throw lastError;
  }

  /** Looks up the broker that serves `topic` (following redirects) and returns a connection to it. */
  async connectionForTopic(topic: string): Promise<PulsarConnection> {
    this.ensureOpen();
    let connection = await this.serviceConnection();
    let authoritative = false;
    for (let hop = 0; hop < MAX_LOOKUP_REDIRECTS; hop++) {
      const requestId = connection.newRequestId();
      const answer = await connection.request(
        connection.encoder.lookup(topic, requestId, authoritative),
        requestId,
        `lookup of ${topic}`,
      );
      if (answer.type === CommandType.ERROR)
        throw serverError(answer.error, answer.message, `lookup of ${topic}`);
      if (answer.type !== CommandType.LOOKUP_RESPONSE) {
        throw PulsarErrors.protocolError.create(`unexpected answer ${answer.type} to LOOKUP`);
      }
      if (answer.response === 2) {
        throw serverError(answer.error ?? 0, answer.message ?? 'lookup failed', `lookup of ${topic}`);
      }
      const url = this.useTls ? answer.brokerServiceUrlTls : answer.brokerServiceUrl;
      if (url === undefined) throw PulsarErrors.lookupFailed.create(`lookup of ${topic} named no broker`);
      const broker = parseServiceUrl(url).addresses[0]!;
      const service = this.serviceAddresses[this.serviceIndex % this.serviceAddresses.length]!;
      // Through the service URL (a proxy, or a standalone broker asking for it): CONNECT names the
      // target broker as host:port, as the Java client and the Pulsar proxy expect.
      connection = answer.proxyThroughServiceUrl
        ? await this.pool.get(broker, service, broker)
        : await this.pool.get(broker, broker);
      if (answer.response === 1) return connection; // Connect
      authoritative = answer.authoritative;
    }
    throw PulsarErrors.lookupFailed.create(
      `lookup of ${topic} was redirected more than ${MAX_LOOKUP_REDIRECTS} times`,
    );
  }

  /** Runs a lookup-style request, retrying retriable failures (broker starting, moving) for the operation timeout. */
  private async withRetry<T>(what: string, request: () => Promise<T>): Promise<T> {
    let result: T | undefined;
    await new ReconnectLoop({
      what,
      backoff: this.backoff,
      timers: this.timers,
      logger: this.logger,
      firstAttemptTimeoutMs: this.operationTimeoutMs,
      attempt: async () => {
        result = await request();
      },
      onFatal: () => undefined,
    }).start();
    return result as T;
  }

  /** Number of partitions of a topic; 0 for a non-partitioned topic. Retries while the broker is unavailable. */
  partitionCount(topic: string): Promise<number> {
    return this.withRetry(`partition metadata of ${topic}`, () => this.fetchPartitionCount(topic));
  }

  private async fetchPartitionCount(topic: string): Promise<number> {
    this.ensureOpen();
    const name = parseTopicName(topic).fullName;
    const connection = await this.serviceConnection();
    const requestId = connection.newRequestId();
    const answer = await connection.request(
      connection.encoder.partitionedMetadata(name, requestId),
      requestId,
      `partition metadata of ${name}`,
    );
    if (answer.type === CommandType.ERROR)
      throw serverError(answer.error, answer.message, `metadata of ${name}`);
    if (answer.type !== CommandType.PARTITIONED_METADATA_RESPONSE) {
      throw PulsarErrors.protocolError.create(`unexpected answer ${answer.type} to PARTITIONED_METADATA`);
    }
    if (answer.failed)
      throw serverError(answer.error ?? 0, answer.message ?? 'failed', `metadata of ${name}`);
    return answer.partitions;
  }

  /** Persistent topics of a namespace (partitions listed one by one, as the broker reports them). */
  topicsOfNamespace(namespace: string): Promise<string[]> {
    return this.withRetry(`topics of ${namespace}`, () => this.fetchTopicsOfNamespace(namespace));
  }

  private async fetchTopicsOfNamespace(namespace: string): Promise<string[]> {
    this.ensureOpen();
    const connection = await this.serviceConnection();
    const requestId = connection.newRequestId();
    const answer = await connection.request(
      connection.encoder.topicsOfNamespace(requestId, namespace, 0),
      requestId,
      `topics of ${namespace}`,
    );
    if (answer.type === CommandType.ERROR)
      throw serverError(answer.error, answer.message, `topics of ${namespace}`);
    if (answer.type !== CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE) {
      throw PulsarErrors.protocolError.create(`unexpected answer ${answer.type} to GET_TOPICS_OF_NAMESPACE`);
    }
    return answer.topics;
  }

  async createProducer(options: ProducerOptions): Promise<Producer> {
    this.ensureOpen();
    const topic = parseTopicName(options.topic).fullName;
    const batching = options.batching ?? {};
    const compression = COMPRESSION_BY_NAME[options.compression ?? 'none'];
    if (compression === undefined) {
      throw PulsarErrors.invalidConfiguration.create(`unknown compression ${String(options.compression)}`);
    }
    const maxPending = options.maxPendingMessages ?? 1000;
    if (!(maxPending >= 1))
      throw PulsarErrors.invalidConfiguration.create('maxPendingMessages must be at least 1');
    const partitions = await this.partitionCount(topic);
    const partitionProducer = ({ topic: name, partition }: Target): PartitionProducer =>
      new PartitionProducer(this, {
        topic: name,
        partition,
        producerName: options.producerName,
        batchingEnabled: batching.enabled ?? true,
        batchKeyBased: batching.keyBased ?? false,
        batchMaxMessages: Math.max(1, batching.maxMessages ?? 1000),
        batchMaxBytes: Math.max(1, batching.maxBytes ?? 128 * 1024),
        batchMaxDelayMs: Math.max(0, batching.maxDelayMs ?? 1),
        compression,
        sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
        maxPendingMessages: maxPending,
        initialSequenceId:
          options.initialSequenceId === undefined ? undefined : BigInt(options.initialSequenceId),
        properties: options.properties,
        chunking: options.chunking ?? false,
      });
    const parts = partitionsOf(topic, partitions).map(partitionProducer);
    await this.startAll(parts);
    const producer = new Producer(
      topic,
      parts,
      options.hashingScheme ?? 'java-string',
      batching.maxDelayMs ?? 1,
      this.timers,
    );
    const intervalMs = options.partitionsUpdateIntervalMs ?? 60_000;
    if (partitions > 0 && intervalMs > 0) this.watchPartitions(producer, partitionProducer, intervalMs);
    this.track(producer);
    return producer;
  }

  /** Every `intervalMs`, starts producers for partitions added to the producer's topic. */
  private watchPartitions(
    producer: Producer,
    create: (target: Target) => PartitionProducer,
    intervalMs: number,
  ): void {
    producer.onClose = this.repeat(intervalMs, async (stopped) => {
      try {
        const count = await this.partitionCount(producer.topic);
        const have = producer.numPartitions;
        if (count > have && !stopped()) {
          const added = partitionsOf(producer.topic, count).slice(have).map(create);
          await this.startAll(added);
          if (stopped()) await Promise.all(added.map((p) => p.close()));
          else {
            producer.addPartitions(added);
            this.logger.info(
              { topic: producer.topic, partitions: count },
              'pulsar: producer follows the new partitions of its topic',
            );
          }
        }
      } catch (error) {
        this.logger.warn({ err: error, topic: producer.topic }, 'pulsar: partition update failed');
      }
    });
  }

  /**
   * Runs `tick` every `intervalMs` — the next run is scheduled when one has ended, so runs never
   * overlap — until the returned function is called; `tick` is told whether that has happened.
   */
  private repeat(intervalMs: number, tick: (stopped: () => boolean) => Promise<void>): () => void {
    let timer: unknown;
    let stopped = false;
    const schedule = (): void => {
      timer = this.timers.setTimeout(() => {
        void tick(() => stopped)
          .catch(() => undefined) // each tick reports its own failures
          .then(() => {
            if (!stopped) schedule();
          });
      }, intervalMs);
      (timer as { unref?: () => void }).unref?.();
    };
    schedule();
    return () => {
      stopped = true;
      this.timers.clearTimeout(timer);
    };
  }

  private async startAll(
    parts: readonly { start(): Promise<void>; close(): Promise<void> }[],
  ): Promise<void> {
    const results = await Promise.allSettled(parts.map((p) => p.start()));
    const failure = results.find((r) => r.status === 'rejected');
    if (failure !== undefined) {
      await Promise.all(parts.map((p) => p.close().catch(() => undefined)));
      throw failure.reason;
    }
  }

  private track(closable: { close(): Promise<void> }): void {
    this.closables.add(closable);
    const close = closable.close.bind(closable);
    closable.close = async () => {
      this.closables.delete(closable);
      await close();
    };
  }

  async subscribe(options: ConsumerOptions): Promise<Consumer> {
    this.ensureOpen();
    const given = [
      options.topic !== undefined,
      options.topics !== undefined,
      options.topicsPattern !== undefined,
    ];
    if (given.filter(Boolean).length !== 1) {
      throw PulsarErrors.invalidConfiguration.create('give exactly one of topic, topics or topicsPattern');
    }
    if (!options.subscription)
      throw PulsarErrors.invalidConfiguration.create('a subscription name is needed');
    const subType = SUB_TYPES[(options.type ?? 'Exclusive').toLowerCase()];
    if (subType === undefined) {
      throw PulsarErrors.invalidConfiguration.create(`unknown subscription type ${String(options.type)}`);
    }
    const receiverQueueSize = options.receiverQueueSize ?? 1000;
    if (!(receiverQueueSize >= 1))
      throw PulsarErrors.invalidConfiguration.create('receiverQueueSize must be at least 1');
    const policy = options.deadLetterPolicy;
    if (policy !== undefined && !(policy.maxRedeliverCount >= 0)) {
      throw PulsarErrors.invalidConfiguration.create('deadLetterPolicy.maxRedeliverCount must be 0 or more');
    }
    const consumer = new Consumer({
      subscription: options.subscription,
      timers: this.timers,
      logger: this.logger,
      deadLetterPolicy: policy,
      // Chunking, as the Java client's dead-letter producer: a joined chunked message fits again.
      createDeadLetterProducer: (topic) =>
        this.createProducer({
          topic,
          batching: { enabled: false },
          sendTimeoutMs: this.operationTimeoutMs,
          chunking: true,
        }),
    });
    const base: Omit<TopicConsumerSettings, 'topic' | 'partition'> = {
      subscription: options.subscription,
      subType,
      initialPosition: options.initialPosition === 'earliest' ? 1 : 0,
      receiverQueueSize,
      consumerName: options.consumerName,
      batchIndexAck: options.batchIndexAck ?? false,
      ackGroupingMs: options.ackGroupingMs ?? 10,
      nackRedeliveryDelayMs: options.nackRedeliveryDelayMs ?? 60_000,
      ackTimeoutMs: options.ackTimeoutMs ?? 0,
    };
    let found: Target[];
    let discover: () => Promise<Target[]>;
    let intervalMs: number;
    if (options.topicsPattern !== undefined) {
      const pattern = compileTopicPattern(options.topicsPattern);
      discover = () => this.matchingTopics(pattern);
      found = await discover();
      intervalMs = options.patternDiscoveryIntervalMs ?? 60_000;
    } else {
      const topics = (options.topics ?? [options.topic!]).map((t) => parseTopicName(t).fullName);
      const counts = await Promise.all(topics.map((t) => this.partitionCount(t)));
      found = topics.flatMap((t, i) => partitionsOf(t, counts[i]!));
      // Only partitioned topics can grow (a plain topic never becomes partitioned).
      const partitioned = topics.filter((_, i) => counts[i]! > 0);
      discover = async () => {
        // A topic whose count cannot be read this time, or reads 0 (deleted: the partitions' own
        // consumers say so), keeps what it has; the others are still followed.
        const now = await Promise.allSettled(partitioned.map((t) => this.partitionCount(t)));
        return partitioned.flatMap((t, i) => {
          const count = now[i]!;
          return count.status === 'fulfilled' && count.value > 0 ? partitionsOf(t, count.value) : [];
        });
      };
      intervalMs = partitioned.length === 0 ? 0 : (options.partitionsUpdateIntervalMs ?? 60_000);
    }
    const parts = found.map(
      ({ topic, partition }) => new TopicConsumer(this, consumer, { ...base, topic, partition }),
    );
    for (const part of parts) consumer.addPart(part);
    await this.startAll(parts);
    if (intervalMs > 0) {
      this.watchTopics(consumer, discover, base, intervalMs, options.topicsPattern !== undefined);
    }
    this.track(consumer);
    return consumer;
  }

  /** Topics (or partitions) of the pattern's namespace whose full name matches the pattern. */
  private async matchingTopics(pattern: RegExp): Promise<Target[]> {
    // The compiled pattern is anchored (`^(?:...)$`) and has no scheme.
    const source = pattern.source.replace(/^\^\(\?:/, '').replace(/\\\//g, '/');
    const ns = /^([-=:.\w]+\/[-=:.\w]+)\//.exec(source);
    if (ns === null) {
      throw PulsarErrors.invalidConfiguration.create(
        'topicsPattern must start with the namespace, e.g. persistent://public/default/in-.*',
      );
    }
    const topics = await this.topicsOfNamespace(ns[1]!);
    const matched: Target[] = [];
    for (const topic of topics) {
      const name = parseTopicName(topic);
      if (name.localName.startsWith('__')) continue; // system topics
      if (!matchesTopicPattern(pattern, name)) continue;
      matched.push({ topic: name.fullName, partition: name.partitionIndex });
    }
    return matched;
  }

  /**
   * Every `intervalMs`, asks `discover` which topics and partitions the consumer should hold: adds
   * the new ones (a pattern's new topics, a partitioned topic's new partitions), and with
   * `removeVanished` closes those no longer found (a pattern's deleted topics).
   */
  private watchTopics(
    consumer: Consumer,
    discover: () => Promise<Target[]>,
    base: Omit<TopicConsumerSettings, 'topic' | 'partition'>,
    intervalMs: number,
    removeVanished: boolean,
  ): void {
    consumer.onClose = this.repeat(intervalMs, async (stopped) => {
      try {
        const found = await discover();
        const current = new Set(consumer.topics);
        const wanted = new Set(found.map((f) => f.topic));
        for (const { topic, partition } of found) {
          if (current.has(topic) || stopped()) continue;
          const part = new TopicConsumer(this, consumer, { ...base, topic, partition });
          consumer.addPart(part);
          try {
            await part.start();
            this.logger.info({ topic }, 'pulsar: subscription added a topic or partition');
          } catch (error) {
            consumer.removePart(topic);
            this.logger.warn(
              { err: error, topic },
              'pulsar: subscription could not add a topic or partition',
            );
          }
        }
        if (removeVanished) {
          for (const topic of current) {
            if (!wanted.has(topic)) await consumer.removePart(topic)?.close();
          }
        }
      } catch (error) {
        this.logger.warn({ err: error }, 'pulsar: topic and partition discovery failed');
      }
    });
  }

  /** Closes every producer and consumer (flushing what they hold), then the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    const all = [...this.closables];
    await Promise.all(all.map((c) => c.close().catch(() => undefined)));
    this.closed = true;
    this.handles.clear();
    await this.pool.closeAll();
  }
}

/** `pulsar://a:6650,b:6650` → addresses; the default port is 6650 (6651 with TLS). */
export function parseServiceUrl(serviceUrl: string): { tls: boolean; addresses: string[] } {
  const match = /^(pulsar|pulsar\+ssl):\/\/([^/]+)\/?$/.exec(serviceUrl.trim());
  if (match === null) {
    throw PulsarErrors.invalidConfiguration.create(
      `service URL ${JSON.stringify(serviceUrl)} must look like pulsar://host:6650 or pulsar+ssl://host:6651`,
    );
  }
  const tls = match[1] === 'pulsar+ssl';
  const addresses = match[2]!.split(',').map((hostPort) => {
    const withPort =
      /:\d+$/.test(hostPort) && !/^\[[^\]]*\]$/.test(hostPort)
        ? hostPort
        : `${hostPort}:${tls ? 6651 : 6650}`;
    return withPort;
  });
  return { tls, addresses };
}

export type { SubscriptionType };
