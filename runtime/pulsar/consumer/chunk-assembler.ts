import type { MessageIdData } from '../protocol/message-id-data.ts';

/** One chunk of a split message, as received (its payload still compressed, if it was). */
export interface ReceivedChunk {
  readonly uuid: string;
  readonly chunkId: number;
  readonly numChunks: number;
  /** Size of the whole (compressed) payload, as the producer announced it. */
  readonly totalSize: number;
  readonly id: MessageIdData;
  readonly payload: Buffer;
  readonly publishTime: number;
}

/** What became of a chunk. */
export interface ChunkOutcome {
  /** The joined payload once the last chunk arrived, with the ids of every chunk in order. */
  readonly complete?: { readonly payload: Buffer; readonly ids: readonly MessageIdData[] };
  /**
   * Entries to acknowledge now: redundant copies (chunks of an attempt the producer started over
   * on new entries, a second copy of a chunk), and a stray chunk older than the expiry whose
   * predecessors never came (a message its producer never finished).
   */
  readonly ack: readonly MessageIdData[];
  /**
   * Entries to have the broker send again later: held chunks of a message given up while it may
   * still be joinable (pushed out by the limit, or a gap in its chunks), a recent stray chunk.
   */
  readonly redeliver: readonly MessageIdData[];
  /** The message announces more than `maxMessageBytes`: not held, and left unacknowledged. */
  readonly refused?: true;
}

export interface ChunkAssemblerLimits {
  /** Messages being assembled at once; the oldest is given up beyond it (Java: 10). */
  readonly maxPending: number;
  /** A message that got no chunk for this long is given up (Java: 60 s). */
  readonly expireMs: number;
  /** Largest joined message held. */
  readonly maxMessageBytes: number;
}

interface Pending {
  readonly numChunks: number;
  readonly totalSize: number;
  readonly parts: Buffer[];
  readonly ids: MessageIdData[];
  size: number;
  lastAt: number;
}

/** Joined (their entries) or refused messages remembered, to recognise late copies of their chunks. */
const REMEMBERED = 1000;

const sameEntry = (a: MessageIdData, b: MessageIdData): boolean =>
  a.ledgerId === b.ledgerId && a.entryId === b.entryId;

/**
 * Joins the chunks of messages a producer split (Pulsar's chunking, PIP-37), per consumer and
 * topic, with the Java client's rules: chunks of one message arrive in order, possibly interleaved
 * with other messages' chunks; a first chunk seen again starts the message over (a producer resend
 * or a broker redelivery); a chunk already held or joined is a duplicate; a chunk without its
 * predecessors cannot be joined. Where the Java client acknowledges a message it gives up at once,
 * this one has it sent again while it may still be joinable, and acknowledges only what can never
 * become a message. Pure bookkeeping: the consumer acknowledges, redelivers, grants permits and
 * delivers.
 */
export class ChunkAssembler {
  readonly #limits: ChunkAssemblerLimits;
  /** By uuid, oldest first (Map keeps insertion order). */
  readonly #pending = new Map<string, Pending>();
  readonly #finished = new Map<string, readonly MessageIdData[] | 'refused'>();

  constructor(limits: ChunkAssemblerLimits) {
    this.#limits = limits;
  }

  /** Messages being assembled. */
  get pending(): number {
    return this.#pending.size;
  }

  add(chunk: ReceivedChunk, now: number): ChunkOutcome {
    const ack: MessageIdData[] = [];
    const redeliver: MessageIdData[] = [];
    let current = this.#pending.get(chunk.uuid);
    if (chunk.chunkId === 0) {
      if (current !== undefined) {
        // Started over. The same entries again are a redelivery (nothing to acknowledge); other
        // entries mean the first attempt is abandoned in the topic, so its chunks are acknowledged.
        if (!current.ids.some((id) => sameEntry(id, chunk.id))) ack.push(...current.ids);
        this.#pending.delete(chunk.uuid);
      }
      this.#finished.delete(chunk.uuid);
      if (chunk.totalSize > this.#limits.maxMessageBytes) {
        this.#remember(chunk.uuid, 'refused');
        return { ack, redeliver, refused: true };
      }
      current = {
        numChunks: chunk.numChunks,
        totalSize: chunk.totalSize,
        parts: [],
        ids: [],
        size: 0,
        lastAt: now,
      };
      this.#pending.set(chunk.uuid, current);
      if (this.#pending.size > this.#limits.maxPending) {
        const [oldest, given] = this.#pending.entries().next().value!;
        this.#pending.delete(oldest);
        redeliver.push(...given.ids);
      }
    }
    if (current === undefined) {
      const finished = this.#finished.get(chunk.uuid);
      if (finished === 'refused') return { ack, redeliver }; // stays unacknowledged with its first chunk
      if (finished !== undefined) {
        // A chunk of a message already joined: a copy on another entry is redundant.
        if (!finished.some((id) => sameEntry(id, chunk.id))) ack.push(chunk.id);
        return { ack, redeliver };
      }
      // A stray chunk: its predecessors went elsewhere, are still to come again, or never existed.
      if (now - chunk.publishTime > this.#limits.expireMs) ack.push(chunk.id);
      else redeliver.push(chunk.id);
      return { ack, redeliver };
    }
    if (chunk.chunkId < current.ids.length) {
      // A chunk already held: acknowledged when it is another entry (a duplicate in the topic).
      if (!current.ids.some((id) => sameEntry(id, chunk.id))) ack.push(chunk.id);
      return { ack, redeliver };
    }
    if (chunk.chunkId > current.ids.length || current.size + chunk.payload.length > current.totalSize) {
      // A gap (or more bytes than announced): start again from the first chunk, sent anew.
      this.#pending.delete(chunk.uuid);
      redeliver.push(...current.ids, chunk.id);
      return { ack, redeliver };
    }
    current.parts.push(chunk.payload);
    current.ids.push(chunk.id);
    current.size += chunk.payload.length;
    current.lastAt = now;
    if (current.ids.length < current.numChunks) return { ack, redeliver };
    this.#pending.delete(chunk.uuid);
    this.#remember(chunk.uuid, current.ids);
    return {
      ack,
      redeliver,
      complete: { payload: Buffer.concat(current.parts, current.size), ids: current.ids },
    };
  }

  /**
   * Gives up the messages that got no chunk for longer than the expiry and returns their chunks to
   * acknowledge (the Java client's rule: their producer never finished them). While `waiting` (the
   * application has not taken what it was given, so the broker may have no permit to send the next
   * chunk), the clocks start over instead.
   */
  expire(now: number, waiting: boolean): MessageIdData[] {
    const ack: MessageIdData[] = [];
    for (const [uuid, pending] of this.#pending) {
      if (waiting) pending.lastAt = now;
      else if (now - pending.lastAt > this.#limits.expireMs) {
        ack.push(...pending.ids);
        this.#pending.delete(uuid);
      }
    }
    return ack;
  }

  /** Forgets everything (the consumer is closing). */
  clear(): void {
    this.#pending.clear();
    this.#finished.clear();
  }

  #remember(uuid: string, entry: readonly MessageIdData[] | 'refused'): void {
    this.#finished.set(uuid, entry);
    if (this.#finished.size > REMEMBERED) this.#finished.delete(this.#finished.keys().next().value!);
  }
}
