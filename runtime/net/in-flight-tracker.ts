/** Counts work in progress and tells when it has all finished, for graceful shutdown. */
export class InFlightTracker {
  #count = 0;
  #waiters: Array<() => void> = [];

  get count(): number {
    return this.#count;
  }

  enter(): void {
    this.#count++;
  }

  leave(): void {
    if (this.#count === 0) return;
    this.#count--;
    if (this.#count === 0) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves true once nothing is in flight, or false when `signal` aborts first. */
  idle(signal?: AbortSignal): Promise<boolean> {
    if (this.#count === 0) return Promise.resolve(true);
    if (signal?.aborted === true) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        resolve(false);
      };
      this.#waiters.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
