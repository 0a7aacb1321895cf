import type { Server } from 'node:http';
import { createHttpServer } from '../net/create-http-server.ts';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { KnmeshError } from '../errors/knmesh-error.ts';
import { InFlightTracker } from '../net/in-flight-tracker.ts';
import type { Logger } from '../observability/create-logger.ts';
import { createMetricsRegistry } from '../observability/create-metrics-registry.ts';
import { HealthState } from '../observability/health-state.ts';
import { createHostApp } from './create-host-app.ts';
import { EventRequestHandler } from './event-request-handler.ts';
import { FunctionInitContext, type FunctionEnvironment } from './function-context.ts';
import { FunctionInvoker } from './function-invoker.ts';
import { HostErrors } from './host-errors.ts';
import { HostMetrics } from './host-metrics.ts';
import { loadFunction, type LoadedFunction, type Signature } from './load-function.ts';
import { resolveFunctionLocation, type FunctionLocation } from './resolve-function-location.ts';

export interface FunctionHostOptions {
  readonly port: number;
  readonly host: string;
  readonly tenant: string;
  readonly namespace: string;
  readonly functionName: string;
  readonly userConfig: Readonly<Record<string, unknown>>;
  readonly signature: Signature | 'auto';
  readonly bodyLimitBytes: number;
  readonly timeoutMs: number;
  readonly startTimeoutMs: number;
  readonly gracePeriodMs: number;
  /** Where `getSecret` reads from and relative function paths resolve against. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly logger: Logger;
  /** Metrics registry; a fresh one (with process metrics) by default. */
  readonly registry?: Registry;
}

export interface StopReport {
  /** Every in-flight request finished within the grace period. */
  readonly drained: boolean;
  /** Requests still unfinished when the grace period ended (answered 503). */
  readonly abandoned: number;
  /** shutdown() ran and resolved. */
  readonly shutdownHookOk: boolean | undefined;
}

/** Shortest time shutdown() gets, even when draining used up the grace period. */
const MIN_SHUTDOWN_MS = 1000;

/**
 * `knmesh serve` as a component: `listen()` answers probes at once (not ready), `load()` brings the
 * function up and turns readiness on, `stop()` drains: readiness off, no new connections, in-flight
 * requests finish within the grace period, then `shutdown()`.
 */
export class FunctionHost {
  readonly health = new HealthState();
  readonly registry: Registry;
  readonly metrics: HostMetrics;
  readonly #options: FunctionHostOptions;
  readonly #inFlight = new InFlightTracker();
  readonly #events: EventRequestHandler;
  readonly #server: Server;
  #function: LoadedFunction | undefined;
  #initialised = false;
  #location: FunctionLocation | undefined;
  #stopping: Promise<StopReport> | undefined;

  constructor(options: FunctionHostOptions) {
    this.#options = options;
    const { tenant, namespace, functionName } = options;
    this.registry =
      options.registry ??
      createMetricsRegistry({ defaultLabels: { function: `${tenant}/${namespace}/${functionName}` } });
    this.metrics = new HostMetrics(this.registry, options.logger, () => this.#inFlight.count);
    this.#events = new EventRequestHandler({
      health: this.health,
      inFlight: this.#inFlight,
      metrics: this.metrics,
      logger: options.logger,
      bodyLimitBytes: options.bodyLimitBytes,
    });
    const app = createHostApp({
      health: this.health,
      registry: this.registry,
      events: this.#events,
      logger: options.logger,
    });
    this.#server = createHttpServer(app);
    // Longer than the usual proxy idle timeouts, so the proxy (queue-proxy, the bridge) closes first.
    this.#server.keepAliveTimeout = 65_000;
    this.#server.headersTimeout = 66_000;
  }

  get function(): LoadedFunction | undefined {
    return this.#function;
  }

  /** Starts answering HTTP (probes say "starting"); resolves with the bound address. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /**
   * Downloads or locates the module, imports it, runs `init()` — all within the start timeout — and
   * turns readiness on. Throws a `HostErrors` start-up error; readiness then stays false.
   */
  async load(location: string): Promise<LoadedFunction> {
    const { startTimeoutMs, logger } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(HostErrors.initFailed.create(`loading and init() took longer than ${startTimeoutMs} ms`)),
        startTimeoutMs,
      );
    });
    try {
      const fn = await Promise.race([this.#loadAndInit(location), timeout]);
      this.#events.attach(
        new FunctionInvoker(fn, this.#environment(), this.#options.timeoutMs, this.metrics),
      );
      this.metrics.info.set({ signature: fn.signature }, 1);
      this.health.markReady();
      logger.info({ file: fn.file, signature: fn.signature, ready: this.health.ready }, 'function loaded');
      return fn;
    } finally {
      clearTimeout(timer);
    }
  }

  async #loadAndInit(location: string): Promise<LoadedFunction> {
    const { cwd, startTimeoutMs, signature } = this.#options;
    this.#location = await resolveFunctionLocation(location, { cwd, timeoutMs: startTimeoutMs });
    const fn = await loadFunction(this.#location.file, signature);
    this.#function = fn;
    if (fn.init !== undefined) {
      try {
        await fn.init(new FunctionInitContext(this.#environment()));
      } catch (error) {
        throw HostErrors.initFailed.create(
          `init() failed: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    this.#initialised = true;
    return fn;
  }

  #environment(): FunctionEnvironment {
    const { tenant, namespace, functionName, userConfig, env, logger } = this.#options;
    return {
      tenant,
      namespace,
      functionName,
      userConfig,
      env,
      logger,
      replySource: `/knmesh/functions/${tenant}/${namespace}/${functionName}`,
      recordMetric: (name, value) => this.metrics.recordUserMetric(name, value),
    };
  }

  /** Graceful stop; calling it again returns the same promise. */
  stop(): Promise<StopReport> {
    return (this.#stopping ??= this.#stop());
  }

  async #stop(): Promise<StopReport> {
    const { gracePeriodMs, logger } = this.#options;
    const deadline = Date.now() + gracePeriodMs;
    this.health.markDraining();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    logger.info({ inFlight: this.#inFlight.count, gracePeriodMs }, 'draining');

    const drained = await this.#inFlight.idle(AbortSignal.timeout(gracePeriodMs));
    const abandoned = drained ? 0 : this.#inFlight.count;
    if (!drained) {
      logger.warn({ abandoned }, 'grace period over: unfinished requests are answered 503');
      this.#events.abort();
      await this.#inFlight.idle(AbortSignal.timeout(1000));
    }
    // Answers sent while draining carry `Connection: close`, so their sockets end once flushed; a
    // client still reading one gets until the deadline (at least a second), then it is cut.
    await withinMs(closed, Math.max(1000, deadline - Date.now()));
    this.#server.closeAllConnections();
    await closed;

    let shutdownHookOk: boolean | undefined;
    const shutdown = this.#function?.shutdown;
    if (shutdown !== undefined && this.#initialised) {
      shutdownHookOk = await runShutdownHook(
        shutdown,
        Math.max(MIN_SHUTDOWN_MS, deadline - Date.now()),
        logger,
      );
    }
    await this.#location?.cleanup().catch(() => undefined);
    this.health.markStopped();
    return { drained, abandoned, shutdownHookOk };
  }
}

async function runShutdownHook(shutdown: () => unknown, limitMs: number, logger: Logger): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(shutdown),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`shutdown() did not finish within ${limitMs} ms`)),
          limitMs,
        );
      }),
    ]);
    return true;
  } catch (error) {
    logger.error({ err: error instanceof KnmeshError ? error.message : error }, 'shutdown() failed');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `promise`, but no longer than `ms`; never keeps the process alive on its own. */
function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
