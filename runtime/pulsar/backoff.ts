/** Exponential backoff with jitter for reconnection; `random` is injectable so tests are exact. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier?: number;
  /** Fraction of the delay taken off at random (0.1 = up to 10 % shorter), spreading reconnect storms. */
  readonly jitter?: number;
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 30_000, multiplier: 2, jitter: 0.1 };

export class Backoff {
  private readonly options: Required<BackoffOptions>;
  private current: number;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.options = { multiplier: 2, jitter: 0.1, random: Math.random, ...options };
    this.current = this.options.initialMs;
  }

  /** The next delay; grows until `maxMs`. */
  next(): number {
    const base = this.current;
    this.current = Math.min(this.options.maxMs, Math.max(1, base * this.options.multiplier));
    return Math.max(0, Math.round(base - base * this.options.jitter * this.options.random()));
  }

  reset(): void {
    this.current = this.options.initialMs;
  }
}
