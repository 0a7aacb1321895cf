import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer } from '../net/create-http-server.ts';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { KnmeshError } from '../errors/knmesh-error.ts';
import type { Logger } from '../observability/create-logger.ts';
import { createMetricsRegistry } from '../observability/create-metrics-registry.ts';
import { HealthState } from '../observability/health-state.ts';
import type { PulsarAdmin } from '../pulsar/admin/pulsar-admin.ts';
import { Backoff } from '../pulsar/backoff.ts';
import type { Consumer } from '../pulsar/consumer/consumer.ts';
import { createPulsarClientFromOptions } from '../pulsar/create-pulsar-client-from-options.ts';
import type { PulsarClient } from '../pulsar/pulsar-client.ts';
import { systemTimers, type Timers } from '../pulsar/timers.ts';
import { redeliveryCountOnly, SubscriptionAttemptJournal, type AttemptJournal } from './attempt-journal.ts';
import { BridgeDispatcher, type DispatcherStopReport } from './bridge-dispatcher.ts';
import { BridgeErrors } from './bridge-errors.ts';
import { BridgeMetrics } from './bridge-metrics.ts';
import { BRIDGE_ROUTES } from './bridge-routes.ts';
import { resolveBridgeSettings, type BridgeConfig, type BridgeSettings } from './bridge-settings.ts';
import { ensureDeduplication } from './ensure-deduplication.ts';
import { HttpSender, type DeliverySender } from './http-sender.ts';
import { PartitionHandOver } from './partition-hand-over.ts';
import { ProducerPool } from './producer-pool.ts';
import { ReplyPublisher } from './reply-publisher.ts';
import { ReplyTopics } from './reply-topics.ts';
import { RetryPolicy } from './retry-policy.ts';

export interface BridgeOptions {
  readonly config: BridgeConfig;
  readonly logger: Logger;
  /** Metrics registry; a fresh one (with process metrics) by default. */
  readonly registry?: Registry;
  readonly timers?: Timers;
  /** How deliveries reach the function; HTTP to `--sink` by default. */
  readonly sender?: DeliverySender;
  /** Jitter of retry delays; Math.random by default. */
  readonly random?: () => number;
}

export interface BridgeStopReport extends DispatcherStopReport {
  /** Replies and dead letters still unconfirmed when the producers were closed. */
  readonly producersFlushed: boolean;
}

/** Largest payload published (Pulsar's default maxMessageSize, 5 MiB, minus room for metadata). */
const MAX_MESSAGE_BYTES = 5 * 1024 * 1024 - 16 * 1024;

/**
 * `knmesh bridge` as a component (docs/bridge.md): `listen()` answers probes at once (not ready);
 * `start()` makes sure the subscription exists at the configured position (before anything is
 * consumed, so KEDA sees the backlog even at zero replicas, ADR 0006), checks de-duplication for
 * effectively-once, subscribes and starts the dispatcher; `stop()` drains. Emits `fatal` when the
 * bridge can no longer work (its subscription failed for good); the command then exits non-zero so
 * Kubernetes restarts it.
 */
export class Bridge extends EventEmitter<{ fatal: [error: KnmeshError] }> {
  readonly health = new HealthState();
  readonly registry: Registry;
  readonly metrics: BridgeMetrics;
  readonly settings: BridgeSettings;
  readonly #config: BridgeConfig;
  readonly #logger: Logger;
  readonly #timers: Timers;
  readonly #client: PulsarClient;
  readonly #admin: PulsarAdmin | undefined;
  readonly #sender: DeliverySender;
  readonly #pool: ProducerPool;
  readonly #publisher: ReplyPublisher;
  readonly #handOver: PartitionHandOver | undefined;
  readonly #journal: AttemptJournal;
  readonly #server: Server;
  readonly #random: (() => number) | undefined;
  #consumer: Consumer | undefined;
  #dispatcher: BridgeDispatcher | undefined;
  #stopRequested = false;
  #stopping: Promise<BridgeStopReport> | undefined;

  constructor(options: BridgeOptions) {
    super();
    const config = options.config;
    this.#config = config;
    this.settings = resolveBridgeSettings(config);
    this.#logger = options.logger;
    this.#timers = options.timers ?? systemTimers;
    this.#random = options.random;
    this.registry =
      options.registry ?? createMetricsRegistry({ defaultLabels: { function: this.settings.name } });
    this.metrics = new BridgeMetrics(this.registry, {
      held: () => this.#dispatcher?.held ?? 0,
      requests: () => this.#dispatcher?.requests ?? 0,
      connected: () => this.#client.connected,
    });
    const { client, admin } = createPulsarClientFromOptions(config, {
      logger: options.logger,
      operationTimeoutMs: 30_000,
      keepAliveIntervalMs: 30_000,
      backoff: { initialMs: 100, maxMs: 10_000 },
      timers: this.#timers,
    });
    this.#client = client;
    this.#admin = admin;
    this.#sender =
      options.sender ??
      new HttpSender({
        sink: config.sink,
        connections: config.maxInFlight,
        connectTimeoutMs: Math.min(config.timeoutMs, 30_000),
        maxResponseBytes: config.maxResponseBytes,
      });
    const effectivelyOnce = config.guarantee === 'effectively_once';
    this.#pool = new ProducerPool({
      client,
      compression: config.compression,
      maxPendingMessages: config.maxPendingMessages,
      batchDelayMs: config.publishDelayMs,
      logger: options.logger,
      ...(effectivelyOnce
        ? {
            ensureDeduplication: (topic) =>
              ensureDeduplication(topic, { admin, timers: this.#timers, logger: options.logger }),
          }
        : {}),
    });
    this.#publisher = new ReplyPublisher({
      pool: this.#pool,
      topics: new ReplyTopics(this.settings.output, this.settings.allowedReplyTopics),
      forwardProperties: config.forwardProperties,
      subscription: config.subscription,
      deadLetterTopic: this.settings.deadLetterTopic,
      effectivelyOnce,
      maxMessageBytes: MAX_MESSAGE_BYTES,
    });
    // The new active replica of a partition needs its producer names: ours close once it is idle.
    this.#handOver = effectivelyOnce
      ? new PartitionHandOver({
          timers: this.#timers,
          heldOf: (topic) => this.#dispatcher?.heldOf(topic) ?? 0,
          giveUp: (topic) => {
            const name = this.#publisher.producerNameFor(topic);
            void this.#pool.closeNamed([name, `${name}#dlq`]);
          },
        })
      : undefined;
    this.#journal =
      admin !== undefined && config.attemptJournal
        ? new SubscriptionAttemptJournal({
            store: admin,
            subscription: config.subscription,
            timers: this.#timers,
            logger: options.logger,
          })
        : redeliveryCountOnly;
    this.#server = createHttpServer((req, res) => this.#route(req, res));
    this.#server.keepAliveTimeout = 65_000;
  }

  /** Ready: started, not stopping, and every producer and consumer attached to its broker. */
  get ready(): boolean {
    return this.health.ready && this.#client.connected;
  }

  /** Starts answering probes and metrics; resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#config.port, this.#config.host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  #route(req: IncomingMessage, res: ServerResponse): void {
    req.resume();
    const path = (req.url ?? '/').split('?')[0];
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
      });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET');
      json(405, {
        code: 'KNMESH_BRIDGE_METHOD_NOT_ALLOWED',
        message: 'only GET is served here',
        retryable: false,
      });
      return;
    }
    switch (path) {
      case BRIDGE_ROUTES.liveness:
        json(this.health.live ? 200 : 503, { status: this.health.live ? 'live' : 'stopped' });
        return;
      case BRIDGE_ROUTES.readiness: {
        const ready = this.ready;
        const status = ready ? 'ready' : this.health.phase === 'ready' ? 'disconnected' : this.health.phase;
        json(ready ? 200 : 503, { status });
        return;
      }
      case BRIDGE_ROUTES.metrics:
        this.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(text);
          },
          () =>
            json(500, { code: 'KNMESH_BRIDGE_INTERNAL', message: 'metrics unavailable', retryable: true }),
        );
        return;
      default:
        json(404, {
          code: 'KNMESH_BRIDGE_NOT_FOUND',
          message: 'routes: /healthz /readyz /metrics',
          retryable: false,
        });
    }
  }

  /**
   * Ensures the subscription, subscribes and starts delivering; resolves once the bridge is ready.
   * Retries what retrying can fix (the broker starting, a lost connection); throws for good otherwise.
   * Resolves without starting when `stop()` comes first.
   */
  async start(): Promise<void> {
    const config = this.#config;
    const settings = this.settings;
    const log = this.#logger;
    if (settings.inputPattern === undefined) {
      if (this.#admin === undefined) {
        log.warn(
          { position: config.subscriptionPosition },
          'no --admin-url: the subscription is created by subscribing, at the same position; KEDA cannot ' +
            'see a backlog before the first bridge ran',
        );
      } else {
        for (const topic of settings.inputs) {
          const created = await this.#retrying(`ensuring subscription on ${topic}`, () =>
            this.#admin!.ensureSubscription(topic, config.subscription, config.subscriptionPosition),
          );
          if (created === undefined) return;
          log.info(
            { topic, subscription: config.subscription, position: config.subscriptionPosition, created },
            'subscription ensured',
          );
        }
      }
    } else {
      log.info(
        { pattern: settings.inputPattern },
        'topic pattern: subscriptions are created by subscribing, at --subscription-position',
      );
    }
    if (config.guarantee === 'effectively_once') {
      const targets = new Set([...new ReplyTopics(settings.output, settings.allowedReplyTopics).all]);
      if (settings.deadLetterTopic !== undefined) targets.add(settings.deadLetterTopic);
      for (const topic of targets) {
        const done = await this.#retrying(`checking de-duplication on ${topic}`, () =>
          this.#pool.ensureDeduplication(topic).then(() => true),
        );
        if (done === undefined) return;
      }
    }
    const consumer = await this.#retrying('subscribing', () =>
      this.#client.subscribe({
        ...(settings.inputPattern === undefined
          ? { topics: settings.inputs }
          : { topicsPattern: settings.inputPattern }),
        subscription: config.subscription,
        type: settings.subscriptionType,
        initialPosition: config.subscriptionPosition,
        receiverQueueSize: config.receiverQueueSize,
        ackGroupingMs: 10,
        consumerName: process.env['HOSTNAME'],
      }),
    );
    if (consumer === undefined) return;
    this.#consumer = consumer;
    consumer.on('failed', (topic, error) => {
      log.fatal({ err: error, topic }, 'the subscription failed for good');
      this.emit(
        'fatal',
        BridgeErrors.subscriptionFailed.create(`subscription on ${topic} failed: ${error.message}`, {
          cause: error,
        }),
      );
    });
    consumer.on('activeChange', (topic, active) => this.#activeChanged(topic, active));
    await this.#journal.load(consumer.topics);
    this.#dispatcher = new BridgeDispatcher({
      consumer,
      sender: this.#sender,
      publisher: this.#publisher,
      journal: this.#journal,
      retry: new RetryPolicy({
        maxRetries: config.maxRetries,
        initialMs: config.retryBackoffMs,
        maxMs: config.retryBackoffMaxMs,
        ...(this.#random === undefined ? {} : { random: this.#random }),
      }),
      timers: this.#timers,
      guarantee: config.guarantee,
      subscriptionType: config.subscriptionType,
      delivery: config.delivery,
      batchSize: config.batchSize,
      batchMaxWaitMs: config.batchMaxWaitMs,
      maxInFlight: config.maxInFlight,
      inputContentType: config.inputContentType,
      timeoutMs: config.timeoutMs,
      metrics: this.metrics,
      logger: log,
    });
    if (this.#stopRequested) return;
    this.#dispatcher.start();
    this.health.markReady();
    log.info(
      {
        topics: consumer.topics.length,
        subscription: config.subscription,
        type: config.subscriptionType,
        guarantee: config.guarantee,
        delivery: config.delivery,
        sink: redactUrl(config.sink),
      },
      'bridge ready',
    );
  }

  /** Failover: partitions this bridge no longer owns are given back at once. */
  #activeChanged(topic: string, active: boolean): void {
    this.#logger.info({ topic, active }, 'failover: active consumer changed');
    if (this.#dispatcher === undefined) return;
    if (!active) this.#dispatcher.releaseTopic(topic);
    this.#handOver?.changed(topic, active);
  }

  /** Runs `action` until it succeeds, fails for good, or a stop is requested (then undefined). */
  async #retrying<T>(what: string, action: () => Promise<T>): Promise<T | undefined> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
    for (;;) {
      if (this.#stopRequested) return undefined;
      try {
        return await action();
      } catch (error) {
        const retryable = !(error instanceof KnmeshError) || error.disposition === 'retry';
        if (!retryable) throw error;
        const delay = backoff.next();
        this.#logger.warn({ err: error, delayMs: delay }, `${what} failed; trying again`);
        await new Promise<void>((resolve) => this.#timers.setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Graceful stop (SIGTERM): readiness off, no more pulling, in-flight deliveries finish within
   * `--grace-period-ms` and the rest is released unacknowledged (other replicas get it), replies and
   * dead letters are flushed, the consumer and the client closed. Calling it again returns the same
   * promise.
   */
  stop(): Promise<BridgeStopReport> {
    this.#stopRequested = true;
    this.#handOver?.stop();
    return (this.#stopping ??= this.#stop());
  }

  async #stop(): Promise<BridgeStopReport> {
    const grace = this.#config.gracePeriodMs;
    const deadline = this.#timers.now() + grace;
    this.health.markDraining();
    this.#logger.info({ held: this.#dispatcher?.held ?? 0, gracePeriodMs: grace }, 'draining');
    const report = (await this.#dispatcher?.stop(grace)) ?? { drained: true, released: 0 };
    if (this.#journal instanceof SubscriptionAttemptJournal) this.#journal.stop();
    await withinMs(this.#journal.flush(), 2000);
    const flushMs = Math.max(1000, deadline - this.#timers.now());
    let producersFlushed = true;
    await withinMs(this.#pool.close(flushMs), flushMs + 1000).then((done) => (producersFlushed = done));
    await this.#consumer?.close().catch(() => undefined);
    await this.#client.close().catch(() => undefined);
    await this.#admin?.close().catch(() => undefined);
    await this.#sender.close().catch(() => undefined);
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    this.health.markStopped();
    return { ...report, producersFlushed };
  }
}

/** Resolves true when `promise` settles within `ms`, false otherwise; never keeps the process alive. */
function withinMs(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    void promise.then(
      () => {
        clearTimeout(timer);
        resolve(true);
      },
      () => {
        clearTimeout(timer);
        resolve(true);
      },
    );
  });
}

/** A URL for logs: no credentials, no query. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid url)';
  }
}
