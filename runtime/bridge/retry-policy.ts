export interface RetryPolicyOptions {
  /** Retries after the first attempt (`--max-retries`); 0 dead-letters after one failure. */
  readonly maxRetries: number;
  /** Delay before the first retry (`--retry-backoff-ms`); doubles with each retry. */
  readonly initialMs: number;
  /** Upper bound of one delay (`--retry-backoff-max-ms`). */
  readonly maxMs: number;
  /** Uniform in [0, 1); injectable so tests are exact. */
  readonly random?: () => number;
}

/**
 * How often and when a failed delivery is tried again: exponential backoff with "equal jitter" (a
 * delay is between half and all of `initial × 2^(retry-1)`, capped), so replicas retrying the same
 * outage spread out while delays still grow. A `Retry-After` from the function is a lower bound.
 */
export class RetryPolicy {
  readonly maxRetries: number;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;

  constructor(options: RetryPolicyOptions) {
    this.maxRetries = options.maxRetries;
    this.#initialMs = options.initialMs;
    this.#maxMs = options.maxMs;
    this.#random = options.random ?? Math.random;
  }

  /**
   * Whether a message whose `attempts` deliveries (all counted: earlier processes, broker
   * redeliveries, this process) failed retryably may be tried again.
   */
  allowsRetry(attempts: number): boolean {
    return attempts <= this.maxRetries;
  }

  /** Delay before retry number `retry` (1-based), at least `retryAfterMs` (but never above the cap). */
  delayMs(retry: number, retryAfterMs?: number): number {
    const exponent = Math.min(Math.max(0, retry - 1), 30);
    const base = Math.min(this.#maxMs, this.#initialMs * 2 ** exponent);
    const jittered = Math.round(base / 2 + (base / 2) * this.#random());
    const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, this.#maxMs);
    return Math.max(jittered, floor);
  }
}
