import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer } from '../net/create-http-server.ts';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CloudEvent } from 'cloudevents';
import { CloudEventsErrors } from '../cloudevents/cloudevents-errors.ts';
import { httpBinding } from '../cloudevents/http-binding.ts';
import type { PulsarMessage } from '../cloudevents/pulsar-binding.ts';
import { readHttpBody } from '../cloudevents/read-http-body.ts';
import type { ConfigOf } from '../config/option.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import { InFlightTracker } from '../net/in-flight-tracker.ts';
import type { Logger } from '../observability/create-logger.ts';
import { createMetricsRegistry } from '../observability/create-metrics-registry.ts';
import { FastHistogram } from '../observability/fast-histogram.ts';
import { HealthState } from '../observability/health-state.ts';
import { Backoff } from '../pulsar/backoff.ts';
import { createPulsarClientFromOptions } from '../pulsar/create-pulsar-client-from-options.ts';
import type { Producer } from '../pulsar/producer/producer.ts';
import type { PulsarClient } from '../pulsar/pulsar-client.ts';
import { PulsarErrors } from '../pulsar/pulsar-errors.ts';
import { parseTopicName } from '../pulsar/topic-name.ts';
import { IngressErrors } from './ingress-errors.ts';
import type { ingressOptions } from './ingress-options.ts';
import { INGRESS_ROUTES } from './ingress-routes.ts';
import { toEventMessage } from './to-event-message.ts';

export type IngressConfig = ConfigOf<typeof ingressOptions>;

export interface IngressOptions {
  readonly config: IngressConfig;
  readonly logger: Logger;
  readonly registry?: Registry;
}

export interface IngressStopReport {
  readonly drained: boolean;
  readonly abandoned: number;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** How often a changed bearer token file is noticed (a rotated Kubernetes Secret). */
const TOKEN_RECHECK_MS = 5000;

/**
 * `knmesh ingress` (docs/ingress.md): HTTP → Pulsar for Function Mesh Sources (their K_SINK) and load
 * tests. Accepts CloudEvents in binary, structured and batched mode, publishes each event as one
 * message in the Pulsar binding's binary mode, and answers 202 only once the broker stored every
 * event of the request; 400/413/415 for what the sender must fix, 401 without the bearer token,
 * 503 with Retry-After while the broker is unreachable.
 */
export class Ingress {
  readonly health = new HealthState();
  readonly registry: Registry;
  readonly topic: string;
  readonly #config: IngressConfig;
  readonly #logger: Logger;
  readonly #client: PulsarClient;
  readonly #server: Server;
  readonly #inFlight = new InFlightTracker();
  readonly #requests: Counter<'status'>;
  readonly #published: Counter;
  readonly #duration: FastHistogram;
  #producer: Producer | undefined;
  #token: { value: Buffer; checkedAt: number; mtimeMs: number } | undefined;
  #stopRequested = false;
  #stopping: Promise<IngressStopReport> | undefined;

  constructor(options: IngressOptions) {
    const config = options.config;
    this.#config = config;
    this.#logger = options.logger;
    this.topic = parseTopicName(config.topic).fullName;
    this.registry =
      options.registry ?? createMetricsRegistry({ defaultLabels: { ingress: config.name ?? this.topic } });
    const registers = [this.registry];
    this.#requests = new Counter({
      name: 'knmesh_ingress_requests_total',
      help: 'Event requests answered, by HTTP status.',
      labelNames: ['status'],
      registers,
    });
    this.#published = new Counter({
      name: 'knmesh_ingress_events_published_total',
      help: 'Events the broker stored.',
      registers,
    });
    this.#duration = new FastHistogram({
      name: 'knmesh_ingress_request_duration_seconds',
      help: 'From the start of an event request to its answer (publishing included).',
      buckets: DURATION_BUCKETS,
      registers,
    });
    const inFlight = this.#inFlight;
    new Gauge({
      name: 'knmesh_ingress_requests_in_flight',
      help: 'Event requests being served.',
      registers,
      collect() {
        this.set(inFlight.count);
      },
    });
    const connected = (): boolean => this.#client.connected && this.#producer !== undefined;
    new Gauge({
      name: 'knmesh_ingress_connected',
      help: '1 while the producer is attached to its broker.',
      registers,
      collect() {
        this.set(connected() ? 1 : 0);
      },
    });
    const { client } = createPulsarClientFromOptions(config, {
      logger: options.logger,
      operationTimeoutMs: 30_000,
      backoff: { initialMs: 100, maxMs: 10_000 },
    });
    this.#client = client;
    this.#server = createHttpServer((req, res) => {
      this.#route(req, res).catch((error: unknown) => {
        this.#logger.error({ err: error }, 'unexpected failure in the HTTP layer');
        if (!res.headersSent)
          json(res, 500, { code: 'KNMESH_INGRESS_INTERNAL', message: 'internal failure', retryable: true });
        else res.destroy();
      });
    });
    this.#server.keepAliveTimeout = 65_000;
    this.#server.headersTimeout = 66_000;
  }

  /** Ready: the producer exists and is attached, and no stop began. */
  get ready(): boolean {
    return this.health.ready && this.#producer !== undefined && this.#client.connected;
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#config.port, this.#config.host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** Creates the producer (retrying while the broker is unreachable); then the ingress is ready. */
  async start(): Promise<void> {
    const c = this.#config;
    if (c.bearerTokenFile !== undefined) await this.#readToken(true);
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000 });
    while (!this.#stopRequested) {
      try {
        this.#producer = await this.#client.createProducer({
          topic: this.topic,
          batching: { enabled: true, maxDelayMs: 1 },
          compression: c.compression,
          maxPendingMessages: c.maxPendingMessages,
          sendTimeoutMs: c.sendTimeoutMs,
          hashingScheme: 'murmur3-32',
        });
        break;
      } catch (error) {
        if (error instanceof KnmeshError && error.disposition !== 'retry') throw error;
        const delay = backoff.next();
        this.#logger.warn({ err: error, delayMs: delay }, 'creating the producer failed; trying again');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
    if (this.#stopRequested) return;
    this.health.markReady();
    this.#logger.info({ topic: this.topic }, 'ingress ready');
  }

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' || req.method === 'HEAD') {
      req.resume();
      switch (path) {
        case INGRESS_ROUTES.liveness:
          return json(res, this.health.live ? 200 : 503, { status: this.health.live ? 'live' : 'stopped' });
        case INGRESS_ROUTES.readiness: {
          const ready = this.ready;
          const status = ready ? 'ready' : this.health.phase === 'ready' ? 'disconnected' : this.health.phase;
          return json(res, ready ? 200 : 503, { status });
        }
        case INGRESS_ROUTES.metrics: {
          const text = await this.registry.metrics();
          res.writeHead(200, { 'content-type': this.registry.contentType });
          res.end(text);
          return;
        }
      }
    }
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      return this.#fail(
        res,
        IngressErrors.methodNotAllowed.create(`${String(req.method)} is not allowed; POST events`),
        0,
      );
    }
    await this.#events(req, res);
  }

  async #events(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    this.#inFlight.enter();
    try {
      if (!(await this.#authorised(req))) {
        req.resume();
        res.setHeader('www-authenticate', 'Bearer');
        return this.#fail(
          res,
          IngressErrors.unauthorized.create('a valid bearer token is required'),
          started,
        );
      }
      if (!this.ready) {
        req.resume();
        const why =
          this.health.phase === 'draining' ? 'the ingress is stopping' : 'the broker is not reachable';
        return this.#fail(res, IngressErrors.unavailable.create(why), started);
      }
      const body = await readHttpBody(req, this.#config.maxBodyBytes);
      const message = { headers: req.headers, body };
      const { mode, entries } = httpBinding.toEvents(message);
      const events: CloudEvent<unknown>[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i]!;
        if (entry instanceof KnmeshError) {
          throw CloudEventsErrors.invalidEvent.create(`event ${i} of the batch: ${entry.message}`, {
            details: { index: i, ...(entry.details ?? {}) },
          });
        }
        events.push(entry);
      }
      const messages: PulsarMessage[] = events.map((e) =>
        toEventMessage(e, mode === 'binary' ? body : undefined),
      );
      await this.#publish(messages);
      this.#published.inc(messages.length);
      this.#answer(res, 202, { accepted: messages.length }, started);
    } catch (error) {
      this.#fail(res, this.#asKnmeshError(error), started);
    } finally {
      this.#inFlight.leave();
    }
  }

  async #publish(messages: readonly PulsarMessage[]): Promise<void> {
    const producer = this.#producer!;
    if (!this.#client.connected) throw IngressErrors.unavailable.create('the broker is not reachable');
    try {
      await Promise.all(
        messages.map((m) =>
          producer.send({
            payload: m.payload,
            ...(m.key === undefined ? {} : { key: m.key }),
            properties: { ...m.properties },
          }),
        ),
      );
    } catch (error) {
      if (PulsarErrors.messageTooLarge.is(error)) throw IngressErrors.eventTooLarge.create(error.message);
      this.#logger.warn({ err: error }, 'publishing events failed');
      throw IngressErrors.unavailable.create('the broker did not store the events');
    }
  }

  #asKnmeshError(error: unknown): KnmeshError {
    if (error instanceof KnmeshError) return error;
    this.#logger.error({ err: error }, 'unexpected failure serving an event request');
    return IngressErrors.unavailable.create('unexpected failure of the ingress');
  }

  async #authorised(req: IncomingMessage): Promise<boolean> {
    if (this.#config.bearerTokenFile === undefined) return true;
    await this.#readToken(false);
    const header = req.headers.authorization;
    if (header === undefined || !/^bearer /i.test(header)) return false;
    const given = Buffer.from(header.slice(7).trim());
    const expected = this.#token?.value;
    return expected !== undefined && given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Reads the token file at start and again when it changed (a rotated Secret); never logs it. */
  async #readToken(force: boolean): Promise<void> {
    const file = this.#config.bearerTokenFile!;
    const now = Date.now();
    if (!force && this.#token !== undefined && now - this.#token.checkedAt < TOKEN_RECHECK_MS) return;
    try {
      const { mtimeMs } = await stat(file);
      if (!force && this.#token !== undefined && this.#token.mtimeMs === mtimeMs) {
        this.#token.checkedAt = now;
        return;
      }
      const value = Buffer.from((await readFile(file, 'utf8')).trim());
      this.#token = { value, checkedAt: now, mtimeMs };
    } catch (error) {
      if (force)
        throw new Error(`cannot read --bearer-token-file: ${(error as Error).message}`, { cause: error });
      this.#logger.warn({ file }, 'cannot read the bearer token file; keeping the previous token');
      if (this.#token !== undefined) this.#token.checkedAt = now;
    }
  }

  #fail(res: ServerResponse, error: KnmeshError, started: number): void {
    if (error.status === 503) res.setHeader('retry-after', String(this.#config.retryAfterSeconds));
    // A refused body is not read: closing spares reading (and discarding) the rest of a large upload.
    if (error.status === 413) res.setHeader('connection', 'close');
    this.#answer(res, error.status, error.toJSON(), started);
  }

  #answer(res: ServerResponse, status: number, body: unknown, started: number): void {
    if (started > 0) {
      this.#requests.inc({ status: String(status) });
      this.#duration.observe((performance.now() - started) / 1000);
    }
    if (this.health.phase === 'draining') res.setHeader('connection', 'close');
    if (!res.headersSent) json(res, status, body);
  }

  /**
   * SIGTERM: readiness off, no new connections, requests in flight finish within the grace period
   * (their events are published or they are answered 503), the producer flushes, the client closes.
   */
  stop(): Promise<IngressStopReport> {
    this.#stopRequested = true;
    return (this.#stopping ??= this.#stop());
  }

  async #stop(): Promise<IngressStopReport> {
    const grace = this.#config.gracePeriodMs;
    this.health.markDraining();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    const drained = await this.#inFlight.idle(AbortSignal.timeout(grace));
    const abandoned = drained ? 0 : this.#inFlight.count;
    await this.#producer?.close({ flushTimeoutMs: 1000 }).catch(() => undefined);
    await this.#client.close().catch(() => undefined);
    this.#server.closeAllConnections();
    await closed;
    this.health.markStopped();
    return { drained, abandoned };
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
