/** Where a long-lived process is in its life. */
export type HealthPhase = 'starting' | 'ready' | 'draining' | 'stopped';

/**
 * Liveness and readiness of a process. Liveness is true for as long as the process can answer at
 * all — it never depends on load, so a busy pod is not restarted (the faas-js-runtime trap). Readiness
 * is true only between a successful start and the first shutdown signal.
 */
export class HealthState {
  #phase: HealthPhase = 'starting';

  get phase(): HealthPhase {
    return this.#phase;
  }

  get live(): boolean {
    return this.#phase !== 'stopped';
  }

  get ready(): boolean {
    return this.#phase === 'ready';
  }

  /** starting → ready; ignored once draining began (a late start must not undo a shutdown). */
  markReady(): void {
    if (this.#phase === 'starting') this.#phase = 'ready';
  }

  markDraining(): void {
    if (this.#phase === 'starting' || this.#phase === 'ready') this.#phase = 'draining';
  }

  markStopped(): void {
    this.#phase = 'stopped';
  }
}
