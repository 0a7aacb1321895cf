import type { Timers } from '../pulsar/timers.ts';

export interface PartitionHandOverOptions {
  readonly timers: Timers;
  /** Messages of the partition the bridge still holds (in flight or waiting for the broker). */
  readonly heldOf: (topic: string) => number;
  /** Gives the partition's effectively-once producer names up (closes those producers). */
  readonly giveUp: (topic: string) => void;
  /** How often to look whether the partition is idle, and how many times before giving up anyway. */
  readonly pollMs?: number;
  readonly maxPolls?: number;
}

/**
 * Failover with effectively-once: when a partition moves to another replica, that replica needs the
 * partition's producer names, so ours are closed once nothing of the partition is held any more (or
 * after `maxPolls`). When the partition comes back first (a broker restart or a replica that left
 * again), nothing is closed: those producers are in use again.
 */
export class PartitionHandOver {
  readonly #o: PartitionHandOverOptions;
  /** Bumped at every change of a partition, so a pending hand-over notices it is out of date. */
  readonly #generation = new Map<string, number>();
  #stopped = false;

  constructor(options: PartitionHandOverOptions) {
    this.#o = options;
  }

  /** The bridge is stopping: it closes every producer itself; pending hand-overs end. */
  stop(): void {
    this.#stopped = true;
  }

  /** The broker says whether this bridge is the active consumer of `topic` now. */
  changed(topic: string, active: boolean): void {
    const generation = (this.#generation.get(topic) ?? 0) + 1;
    this.#generation.set(topic, generation);
    if (active) return;
    const pollMs = this.#o.pollMs ?? 100;
    const check = (polls: number): void => {
      if (this.#stopped || this.#generation.get(topic) !== generation) return; // came back, or stopping
      if (this.#o.heldOf(topic) > 0 && polls > 0) {
        this.#o.timers.setTimeout(() => check(polls - 1), pollMs);
        return;
      }
      this.#o.giveUp(topic);
    };
    check(this.#o.maxPolls ?? 300);
  }
}
