import type { MessageIdData } from '../protocol/message-id-data.ts';

/** One chunk of a split message, as received (its payload still compressed, if it was). */
export interface ReceivedChunk {
  readonly uuid: string;
  readonly chunkId: number;
  readonly numChunks: number;
  readonly id: MessageIdData;
  readonly payload: Buffer;
}

/** What became of a chunk. */
export interface ChunkOutcome {
  /** The joined payload once the last chunk arrived, with the ids of every chunk in order. */
  readonly complete?: { readonly payload: Buffer; readonly ids: readonly MessageIdData[] };
  /**
   * Entries to acknowledge now because they are redundant: chunks of an attempt the producer
   * started over on new entries, a second copy of a chunk already held.
   */
  readonly ack: readonly MessageIdData[];
}

export interface ChunkAssemblerLimits {
  /** Messages being assembled at once; the oldest is given up beyond it (Java: 10). */
  readonly maxPending: number;
  /** An incomplete message older than this is given up (Java: 60 s). */
  readonly expireMs: number;
}

interface Pending {
  readonly numChunks: number;
  readonly parts: Buffer[];
  readonly ids: MessageIdData[];
  size: number;
  readonly startedAt: number;
}

const sameEntry = (a: MessageIdData, b: MessageIdData): boolean =>
  a.ledgerId === b.ledgerId && a.entryId === b.entryId;

/**
 * Joins the chunks of messages a producer split (Pulsar's chunking, PIP-37), per consumer and
 * topic, with the Java client's rules: chunks of one message arrive in order, possibly interleaved
 * with other messages' chunks; a first chunk seen again starts the message over (a producer resend
 * or a broker redelivery); a chunk already held is a duplicate; a chunk without its predecessors
 * cannot be joined. Unlike the Java client it never acknowledges a message it could not join (only
 * redundant copies): what is given up stays in the backlog. Pure bookkeeping: the consumer
 * acknowledges, grants permits and delivers.
 */
export class ChunkAssembler {
  readonly #limits: ChunkAssemblerLimits;
  /** By uuid, oldest first (Map keeps insertion order). */
  readonly #pending = new Map<string, Pending>();

  constructor(limits: ChunkAssemblerLimits) {
    this.#limits = limits;
  }

  /** Messages being assembled. */
  get pending(): number {
    return this.#pending.size;
  }

  add(chunk: ReceivedChunk, now: number): ChunkOutcome {
    const ack: MessageIdData[] = [];
    let current = this.#pending.get(chunk.uuid);
    if (chunk.chunkId === 0) {
      if (current !== undefined) {
        // Started over. The same entries again are a redelivery (nothing to acknowledge); other
        // entries mean the first attempt is abandoned in the topic, so its chunks are acknowledged.
        if (!current.ids.some((id) => sameEntry(id, chunk.id))) ack.push(...current.ids);
        this.#pending.delete(chunk.uuid);
      }
      current = {
        numChunks: chunk.numChunks,
        parts: [],
        ids: [],
        size: 0,
        startedAt: now,
      };
      this.#pending.set(chunk.uuid, current);
      if (this.#pending.size > this.#limits.maxPending) {
        // Given up without acknowledging: its chunks come back on redelivery.
        const oldest = this.#pending.keys().next().value!;
        this.#pending.delete(oldest);
      }
    }
    if (current === undefined || chunk.chunkId !== current.ids.length) {
      if (current !== undefined && chunk.chunkId < current.ids.length) {
        // A chunk already held: acknowledged when it is another entry (a duplicate in the topic).
        if (!current.ids.some((id) => sameEntry(id, chunk.id))) ack.push(chunk.id);
        return { ack };
      }
      // Its predecessors are missing: nothing can be made of what is held either. Unlike the Java
      // client (which acknowledges such a chunk once old), nothing is acknowledged: the message
      // stays in the backlog, and a redelivery brings its chunks again from the first.
      if (current !== undefined) this.#pending.delete(chunk.uuid);
      return { ack };
    }
    current.parts.push(chunk.payload);
    current.ids.push(chunk.id);
    current.size += chunk.payload.length;
    if (current.ids.length < current.numChunks) return { ack };
    this.#pending.delete(chunk.uuid);
    return {
      ack,
      complete: { payload: Buffer.concat(current.parts, current.size), ids: current.ids },
    };
  }

  /**
   * Gives up messages incomplete for longer than the expiry and returns how many. Their chunks are
   * not acknowledged (the Java client acknowledges them, losing the message): they stay in the
   * backlog for a redelivery.
   */
  expire(now: number): number {
    let given = 0;
    for (const [uuid, pending] of this.#pending) {
      if (now - pending.startedAt <= this.#limits.expireMs) continue;
      this.#pending.delete(uuid);
      given++;
    }
    return given;
  }

  /** Forgets everything held (the connection ended: the broker sends the unacknowledged chunks again). */
  clear(): void {
    this.#pending.clear();
  }
}
