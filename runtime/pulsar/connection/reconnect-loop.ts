import type { Logger } from '../../observability/create-logger.ts';
import { Backoff, type BackoffOptions } from '../backoff.ts';
import { KnmeshError } from '../../errors/knmesh-error.ts';
import { PulsarErrors } from '../pulsar-errors.ts';
import type { Timers } from '../timers.ts';

export interface ReconnectLoopOptions {
  readonly what: string;
  readonly backoff: BackoffOptions;
  readonly timers: Timers;
  readonly logger: Logger;
  /** The first attempt gives up (rejecting `start`) after this long. */
  readonly firstAttemptTimeoutMs: number;
  /** Errors that end the first attempt at once even though they are retriable later (e.g. ConsumerBusy). */
  readonly fatalAtStart?: (error: KnmeshError) => boolean;
  /** One attempt: lookup, connect, register (PRODUCER / SUBSCRIBE). */
  readonly attempt: () => Promise<void>;
  /** An attempt failed with an error that retrying will not fix (after start succeeded). */
  readonly onFatal: (error: KnmeshError) => void;
}

/**
 * Keeps a producer or consumer attached to its topic: retries failed attempts with exponential
 * backoff, and after a lost connection starts again (a fresh lookup each time, since the topic
 * may have moved). Errors whose disposition is not `retry` end the loop.
 */
export class ReconnectLoop {
  private readonly options: ReconnectLoopOptions;
  private readonly backoff: Backoff;
  private timer: unknown;
  private running = false;
  private stopped = false;
  /** Ends a backoff wait of `start` early when the loop is stopped (closing must not hang creation). */
  private wake: (() => void) | undefined;

  constructor(options: ReconnectLoopOptions) {
    this.options = options;
    this.backoff = new Backoff(options.backoff);
  }

  /** Attaches for the first time; retries retriable failures until the first-attempt timeout. */
  async start(): Promise<void> {
    const deadline = this.options.timers.now() + this.options.firstAttemptTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      if (this.stopped)
        throw PulsarErrors.clientClosed.create(`${this.options.what}: closed while connecting`);
      try {
        await this.options.attempt();
        this.backoff.reset();
        return;
      } catch (error) {
        const retriable =
          !(error instanceof KnmeshError) ||
          (error.retryable && !(this.options.fatalAtStart?.(error) ?? false));
        const delay = this.backoff.next();
        if (!retriable || this.options.timers.now() + delay > deadline) throw error;
        this.options.logger.info(
          { err: error, attempt, delayMs: delay },
          `pulsar: ${this.options.what} not attached yet, retrying`,
        );
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = this.options.timers.setTimeout(resolve, delay);
        });
        this.wake = undefined;
      }
    }
  }

  /** Called when the connection is lost: attach again in the background. */
  reconnect(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    const delay = this.backoff.next();
    this.timer = this.options.timers.setTimeout(() => void this.run(), delay);
  }

  private async run(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.options.attempt();
      this.running = false;
      this.backoff.reset();
      this.options.logger.info(`pulsar: ${this.options.what} reattached`);
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof KnmeshError && !error.retryable) {
        this.running = false;
        this.options.logger.error({ err: error }, `pulsar: ${this.options.what} cannot be reattached`);
        this.options.onFatal(error);
        return;
      }
      const delay = this.backoff.next();
      this.options.logger.info(
        { err: error, delayMs: delay },
        `pulsar: ${this.options.what} reattach failed, retrying`,
      );
      this.timer = this.options.timers.setTimeout(() => void this.run(), delay);
    }
  }

  stop(): void {
    this.stopped = true;
    this.options.timers.clearTimeout(this.timer);
    this.wake?.();
  }
}
