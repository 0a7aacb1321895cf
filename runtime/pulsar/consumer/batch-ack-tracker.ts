/** Which messages of one received batch the application has acknowledged. */
export class BatchAckTracker {
  readonly size: number;
  private readonly acked: Uint8Array;
  private outstanding: number;

  constructor(size: number, alreadyAcked?: (index: number) => boolean) {
    this.size = size;
    this.acked = new Uint8Array(size);
    this.outstanding = size;
    if (alreadyAcked !== undefined) {
      for (let i = 0; i < size; i++) {
        if (alreadyAcked(i)) {
          this.acked[i] = 1;
          this.outstanding--;
        }
      }
    }
  }

  /** Marks one message; true when it was not acknowledged before. */
  ack(index: number): boolean {
    if (this.acked[index] === 1) return false;
    this.acked[index] = 1;
    this.outstanding--;
    return true;
  }

  /** Marks every message up to and including `index` (cumulative ack). */
  ackUpTo(index: number): void {
    for (let i = 0; i <= index; i++) this.ack(i);
  }

  isAcked(index: number): boolean {
    return this.acked[index] === 1;
  }

  get complete(): boolean {
    return this.outstanding === 0;
  }
}
