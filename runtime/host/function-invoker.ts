import type { CloudEventV1 } from 'cloudevents';
import { checkEventAttributes } from '../cloudevents/check-event-attributes.ts';
import { KnmeshError } from '../errors/knmesh-error.ts';
import {
  FunctionContext,
  InvocationState,
  type FunctionEnvironment,
  type InvocationRequest,
} from './function-context.ts';
import { HostErrors } from './host-errors.ts';
import type { HostMetrics } from './host-metrics.ts';
import type { LoadedFunction } from './load-function.ts';
import { isCloudEvent, toOutputEvent } from './output-event.ts';
import { requestedDisposition } from './requested-disposition.ts';
import type { RetryableError } from './retryable-error.ts';

const HOST_ERROR_CODES: ReadonlySet<string> = new Set(Object.values(HostErrors).map((e) => e.code));

/** How one invocation ended: the reply events, or the catalogue error to answer with. */
export type InvocationOutcome =
  | { readonly ok: true; readonly events: readonly CloudEventV1<unknown>[] }
  | { readonly ok: false; readonly error: KnmeshError; readonly retryAfterMs?: number };

const MAX_USER_MESSAGE = 512;

/**
 * Calls the function for one input and turns whatever happens into an `InvocationOutcome`: the
 * return value and `context.publish` calls become reply events; a throw, a rejection or a timeout
 * becomes a catalogue error. It never throws.
 */
export class FunctionInvoker {
  readonly #fn: LoadedFunction;
  readonly #environment: FunctionEnvironment;
  readonly #timeoutMs: number;
  readonly #metrics: HostMetrics;
  readonly #active = new Set<InvocationState>();
  readonly #cancels = new WeakMap<InvocationState, (error: KnmeshError) => void>();

  constructor(fn: LoadedFunction, environment: FunctionEnvironment, timeoutMs: number, metrics: HostMetrics) {
    this.#fn = fn;
    this.#environment = environment;
    this.#timeoutMs = timeoutMs;
    this.#metrics = metrics;
  }

  /**
   * Invokes the function for one input. A synchronous function's outcome comes back synchronously
   * (no promise, no microtask hops: the host's hot path); a promised result is awaited within the
   * time limit.
   */
  invoke(request: InvocationRequest): InvocationOutcome | Promise<InvocationOutcome> {
    const state = new InvocationState();
    const context = new FunctionContext(this.#environment, request, state);
    const started = performance.now();
    let result: unknown;
    try {
      result = this.#fn.invoke(request.data, context);
    } catch (error) {
      return this.#finish(this.#failure(error, context), state, started);
    }
    if (!isThenable(result))
      return this.#finish(this.#success(result, state, request, context), state, started);
    this.#active.add(state);
    return this.#settle(result, state, context).then(
      (value) => this.#finish(this.#success(value, state, request, context), state, started),
      (error: unknown) => this.#finish(this.#failure(error, context), state, started),
    );
  }

  #success(
    result: unknown,
    state: InvocationState,
    request: InvocationRequest,
    context: FunctionContext,
  ): InvocationOutcome {
    try {
      return { ok: true, events: this.#replyEvents(result, state, request) };
    } catch (error) {
      return this.#failure(error, context);
    }
  }

  #finish(outcome: InvocationOutcome, state: InvocationState, started: number): InvocationOutcome {
    state.close();
    this.#active.delete(state);
    this.#metrics.invocationDuration.observe(
      (performance.now() - started) / 1000,
      outcome.ok ? 'success' : 'error',
    );
    return outcome;
  }

  /** At the end of the grace period: every unfinished invocation answers `KNMESH_HOST_SHUTTING_DOWN`. */
  abortAll(): void {
    for (const state of this.#active) {
      state.close(new Error('shutting down'));
      this.#cancels.get(state)?.(
        HostErrors.shuttingDown.create('the host stopped before the function finished'),
      );
    }
  }

  /** Waits for a promised result within the time limit; cancellable at the end of the grace period. */
  #settle(result: PromiseLike<unknown>, state: InvocationState, context: FunctionContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        state.close(new Error('timed out'));
        this.#metrics.runningAfterTimeout.inc();
        const settled = (): void => void this.#metrics.runningAfterTimeout.dec();
        result.then(settled, (error: unknown) => {
          settled();
          context.logger.warn({ err: error }, 'the function failed after it had timed out');
        });
        reject(HostErrors.functionTimeout.create(`the function did not finish within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#cancels.set(state, (error) => {
        clearTimeout(timer);
        reject(error);
      });
      result.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- classified as thrown
          reject(error);
        },
      );
    });
  }

  #replyEvents(result: unknown, state: InvocationState, request: InvocationRequest): CloudEventV1<unknown>[] {
    const events = state.replies;
    if (result === undefined || result === null) return events;
    if (isCloudEvent(result)) {
      // Sent as it is, so it must be a valid event (published CloudEvents are checked by publish()).
      const { data: _data, data_base64: _base64, ...attributes } = result;
      const problem = checkEventAttributes(attributes);
      if (problem !== undefined) {
        throw HostErrors.invalidResult.create(
          `the returned CloudEvent breaks CloudEvents 1.0: attribute "${problem.attribute}" ${problem.rule}`,
        );
      }
      events.push(result);
    } else {
      // Pulsar Functions give the output message the input's key.
      events.push(toOutputEvent(result, this.#environment.replySource, { key: request.message.key }));
    }
    return events;
  }

  #failure(error: unknown, context: FunctionContext): InvocationOutcome {
    // The host's own verdicts (timeout, invalid result, ...) keep their status. Any other error,
    // including a knmesh client error the function let escape, is the function failing: 500, retried.
    if (error instanceof KnmeshError && error.status >= 400 && HOST_ERROR_CODES.has(error.code)) {
      if (error.code === HostErrors.functionTimeout.code) context.logger.warn(error.message);
      else context.logger.warn({ err: error }, error.message);
      return { ok: false, error };
    }
    switch (requestedDisposition(error)) {
      case 'retry': {
        context.logger.warn({ err: error }, 'the function asked for a retry');
        const retryAfterMs = (error as RetryableError).retryAfterMs;
        return {
          ok: false,
          error: HostErrors.functionRetry.create(userMessage(error)),
          ...(typeof retryAfterMs === 'number' && retryAfterMs >= 0 ? { retryAfterMs } : {}),
        };
      }
      case 'dead-letter':
        context.logger.warn({ err: error }, 'the function rejected the event (dead-letter)');
        return { ok: false, error: HostErrors.functionRejected.create(userMessage(error)) };
      default:
        context.logger.error({ err: error }, 'the function failed');
        return {
          ok: false,
          error: HostErrors.functionFailed.create('the function failed; see the function’s log'),
        };
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** The message a function chose to send with a RetryableError/NonRetryableError, bounded in size. */
function userMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (message === '') return 'no reason given';
  return message.length > MAX_USER_MESSAGE ? `${message.slice(0, MAX_USER_MESSAGE)}…` : message;
}
