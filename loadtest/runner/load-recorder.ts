import { percentile } from './percentile.ts';

export interface TimelineRow {
  /** Seconds since the start of the measured window. */
  readonly t: number;
  readonly sent: number;
  readonly accepted: number;
  readonly errors: number;
  readonly dropped: number;
  readonly replies: number;
  readonly e2eP50Ms: number;
  readonly e2eP99Ms: number;
  readonly acceptP99Ms: number;
}

export interface LoadSummary {
  readonly durationS: number;
  readonly sent: number;
  readonly accepted: number;
  readonly errors: number;
  /** Sends skipped because the concurrency limit was reached (k6: dropped_iterations). */
  readonly dropped: number;
  readonly replies: number;
  readonly duplicates: number;
  /** Accepted events without a reply when the run ended. */
  readonly missing: number;
  readonly errorRate: number;
  /** Replies per second over the measured window. */
  readonly throughput: number;
  readonly e2e: {
    readonly p50Ms: number;
    readonly p95Ms: number;
    readonly p99Ms: number;
    readonly maxMs: number;
  };
  readonly accept: { readonly p50Ms: number; readonly p99Ms: number };
  readonly errorsByKind: Readonly<Record<string, number>>;
}

interface Bucket {
  sent: number;
  accepted: number;
  errors: number;
  dropped: number;
  replies: number;
  e2e: number[];
  accept: number[];
}

/**
 * Records one load run: what was sent, accepted and answered, keyed by sequence number, in
 * one-second buckets from `start`. Only sequence numbers it was told to track count, so warm-up
 * traffic and other runs sharing the pipeline stay out of the figures.
 */
export class LoadRecorder {
  readonly #start: number;
  readonly #buckets: Bucket[] = [];
  readonly #sentAt = new Map<number, number>();
  readonly #accepted = new Set<number>();
  readonly #answered = new Set<number>();
  readonly #e2e: number[] = [];
  readonly #accept: number[] = [];
  readonly #errorsByKind: Record<string, number> = {};
  #sent = 0;
  #errors = 0;
  #dropped = 0;
  #duplicates = 0;
  #lastAt = 0;

  constructor(start: number) {
    this.#start = start;
  }

  #bucket(at: number): Bucket {
    this.#lastAt = Math.max(this.#lastAt, at);
    const index = Math.max(0, Math.floor((at - this.#start) / 1000));
    while (this.#buckets.length <= index) {
      this.#buckets.push({ sent: 0, accepted: 0, errors: 0, dropped: 0, replies: 0, e2e: [], accept: [] });
    }
    return this.#buckets[index]!;
  }

  sent(seq: number, at: number): void {
    this.#sentAt.set(seq, at);
    this.#sent++;
    this.#bucket(at).sent++;
  }

  accepted(seq: number, at: number): void {
    const sentAt = this.#sentAt.get(seq);
    if (sentAt === undefined) return;
    this.#accepted.add(seq);
    const bucket = this.#bucket(at);
    bucket.accepted++;
    bucket.accept.push(at - sentAt);
    this.#accept.push(at - sentAt);
  }

  failed(seq: number, at: number, kind: string): void {
    if (!this.#sentAt.has(seq)) return;
    this.#errors++;
    this.#errorsByKind[kind] = (this.#errorsByKind[kind] ?? 0) + 1;
    this.#bucket(at).errors++;
  }

  dropped(at: number): void {
    this.#dropped++;
    this.#bucket(at).dropped++;
  }

  /** A reply carrying `seq` arrived at `at`; the latency is measured from the recorded send. */
  reply(seq: number, at: number): void {
    const sentAt = this.#sentAt.get(seq);
    if (sentAt === undefined) return;
    if (this.#answered.has(seq)) {
      this.#duplicates++;
      return;
    }
    this.#answered.add(seq);
    const bucket = this.#bucket(at);
    bucket.replies++;
    bucket.e2e.push(at - sentAt);
    this.#e2e.push(at - sentAt);
  }

  /** Accepted events still waiting for their reply. */
  get outstanding(): number {
    let n = 0;
    for (const seq of this.#accepted) if (!this.#answered.has(seq)) n++;
    return n;
  }

  timeline(): TimelineRow[] {
    return this.#buckets.map((b, i) => ({
      t: i,
      sent: b.sent,
      accepted: b.accepted,
      errors: b.errors,
      dropped: b.dropped,
      replies: b.replies,
      e2eP50Ms: round(percentile(b.e2e, 50)),
      e2eP99Ms: round(percentile(b.e2e, 99)),
      acceptP99Ms: round(percentile(b.accept, 99)),
    }));
  }

  /** Figures of the run; throughput is replies per second over `windowMs` (the load's duration). */
  summary(windowMs: number): LoadSummary {
    const attempts = this.#sent + this.#dropped;
    return {
      durationS: windowMs / 1000,
      sent: this.#sent,
      accepted: this.#accepted.size,
      errors: this.#errors,
      dropped: this.#dropped,
      replies: this.#answered.size,
      duplicates: this.#duplicates,
      missing: this.outstanding,
      errorRate: attempts === 0 ? 0 : (this.#errors + this.#dropped) / attempts,
      throughput: round(this.#answered.size / (windowMs / 1000)),
      e2e: {
        p50Ms: round(percentile(this.#e2e, 50)),
        p95Ms: round(percentile(this.#e2e, 95)),
        p99Ms: round(percentile(this.#e2e, 99)),
        maxMs: round(percentile(this.#e2e, 100)),
      },
      accept: { p50Ms: round(percentile(this.#accept, 50)), p99Ms: round(percentile(this.#accept, 99)) },
      errorsByKind: { ...this.#errorsByKind },
    };
  }
}

function round(value: number): number {
  return Number.isNaN(value) ? Number.NaN : Math.round(value * 10) / 10;
}
