/** An ordering group: its messages in order; the first `inService` are being delivered or settled. */
interface Group<T> {
  readonly key: string | undefined;
  readonly items: T[];
  inService: number;
  /** Waiting for a retry of its first message: nothing of it may be sent. */
  blocked: boolean;
  /** In the ready list. */
  listed: boolean;
}

/**
 * Which held messages may be delivered now, so that ordering holds per subscription type
 * (`orderingKeyOf`): a group never has messages in two requests at once, and a message being retried
 * stays at the front of its group until it is finished. Messages without a group key are independent.
 *
 * Pure bookkeeping (no timers, no I/O): the dispatcher takes ready messages, then reports each one as
 * `finish`ed (acknowledged, dead-lettered or released) or `retryLater` (blocked until `unblock`).
 */
export class DeliveryQueue<T> {
  readonly #groups = new Map<string, Group<T>>();
  readonly #groupOf = new Map<T, Group<T>>();
  #ready: Group<T>[] = [];
  #readyHead = 0;
  #readyCount = 0;
  #size = 0;

  /** Messages held (queued, in service or blocked). */
  get size(): number {
    return this.#size;
  }

  /** Messages that `take` could hand out now. */
  get readyCount(): number {
    return this.#readyCount;
  }

  /** Adds a message at the end of its group (`key` undefined: a group of its own). */
  push(item: T, key: string | undefined): void {
    let group = key === undefined ? undefined : this.#groups.get(key);
    if (group === undefined) {
      group = { key, items: [], inService: 0, blocked: false, listed: false };
      if (key !== undefined) this.#groups.set(key, group);
    }
    group.items.push(item);
    this.#groupOf.set(item, group);
    this.#size++;
    if (group.listed) this.#readyCount++;
    else this.#list(group);
  }

  /**
   * Up to `max` messages to deliver, taking at most `perGroup` consecutive messages of one group
   * (more than one only for batched deliveries: a request carries them in order).
   */
  take(max: number, perGroup = 1): T[] {
    const out: T[] = [];
    while (out.length < max && this.#readyHead < this.#ready.length) {
      const group = this.#ready[this.#readyHead]!;
      this.#ready[this.#readyHead++] = undefined as unknown as Group<T>;
      group.listed = false;
      const available = group.items.length - group.inService;
      const n = Math.min(perGroup, max - out.length, available);
      for (let i = 0; i < n; i++) out.push(group.items[group.inService + i]!);
      group.inService += n;
      this.#readyCount -= available;
    }
    if (this.#readyHead === this.#ready.length) {
      this.#ready = [];
      this.#readyHead = 0;
    } else if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
      this.#ready = this.#ready.slice(this.#readyHead);
      this.#readyHead = 0;
    }
    return out;
  }

  /** The message is done for good; it must be the first message of its group. */
  finish(item: T): void {
    const group = this.#groupOf.get(item);
    if (group === undefined) return;
    this.#groupOf.delete(item);
    const at = group.items.indexOf(item);
    if (at === -1) return;
    group.items.splice(at, 1);
    if (at < group.inService) group.inService--;
    else if (group.listed) this.#readyCount--;
    this.#size--;
    this.#afterChange(group);
  }

  /**
   * The message will be tried again after a delay. Every message of its group before it must be
   * finished; it stays first, the group's messages taken with it go back to waiting behind it, and the
   * group is blocked until `unblock(item)`.
   */
  retryLater(item: T): void {
    const group = this.#groupOf.get(item);
    if (group === undefined) return;
    if (group.items[0] !== item) throw new Error('retryLater: the message is not first in its group');
    group.inService = 0;
    group.blocked = true;
  }

  /**
   * The message was taken but not delivered (the host did not run it): it and the messages of its
   * group taken after it wait again, in place, to be taken once the group's earlier ones are finished.
   */
  putBack(item: T): void {
    const group = this.#groupOf.get(item);
    if (group === undefined) return;
    const at = group.items.indexOf(item);
    if (at === -1 || at >= group.inService) return;
    this.#readyCount += group.listed ? group.inService - at : 0;
    group.inService = at;
    this.#afterChange(group);
  }

  /** The delay of a message given to `retryLater` is over: its group may deliver again. */
  unblock(item: T): void {
    const group = this.#groupOf.get(item);
    if (group === undefined || !group.blocked) return;
    group.blocked = false;
    this.#afterChange(group);
  }

  /** Every held message, in no particular order (for a stop). */
  all(): T[] {
    return [...this.#groupOf.keys()];
  }

  #afterChange(group: Group<T>): void {
    if (group.items.length === 0) {
      if (group.key !== undefined) this.#groups.delete(group.key);
      // A stale entry in the ready list is skipped by take() (nothing available).
      return;
    }
    if (!group.blocked && group.inService === 0 && !group.listed) this.#list(group);
  }

  #list(group: Group<T>): void {
    if (group.blocked || group.inService > 0) return;
    group.listed = true;
    this.#ready.push(group);
    this.#readyCount += group.items.length;
  }
}
