import { setTimeout as sleep } from 'node:timers/promises';

export interface ArrivalRateOptions {
  /** Events started per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** At most this many requests outstanding (k6: maxVUs); a send that finds none free is dropped. */
  readonly maxInFlight: number;
  /** First sequence number; each send gets the next one. */
  readonly firstSeq: number;
  readonly send: (seq: number) => Promise<void>;
  readonly onDropped: () => void;
  readonly now?: () => number;
}

/**
 * An open-model load (k6's constant-arrival-rate): events start on schedule whether or not
 * earlier ones finished, so a slow system shows up as latency and drops, not as a lower request
 * rate (no coordinated omission). Bounded by `durationMs` and `rate × duration` events.
 * Resolves with the next unused sequence number once every started send has settled.
 */
export async function runArrivalRate(options: ArrivalRateOptions): Promise<number> {
  const now = options.now ?? (() => performance.now());
  const start = now();
  const total = Math.floor((options.rate * options.durationMs) / 1000);
  const pending = new Set<Promise<void>>();
  let started = 0;
  let seq = options.firstSeq;
  while (started < total) {
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * options.rate) + 1);
    while (started < due) {
      started++;
      if (pending.size >= options.maxInFlight) {
        options.onDropped();
        continue;
      }
      const p = options.send(seq++).catch(() => undefined);
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    if (now() - start > options.durationMs + 1_000) break; // never overrun the time bound
    await sleep(1);
  }
  await Promise.all(pending);
  return seq;
}
