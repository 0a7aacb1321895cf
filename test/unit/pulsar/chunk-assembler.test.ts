import { describe, expect, it } from 'vitest';
import { ChunkAssembler, type ReceivedChunk } from '../../../runtime/pulsar/consumer/chunk-assembler.ts';

const LIMITS = { maxPending: 3, expireMs: 60_000, maxMessageBytes: 1000 };

/** Chunk `chunkId` of message `uuid` (of `numChunks`), stored at entry `entryId` of ledger 1. */
function chunk(
  uuid: string,
  chunkId: number,
  numChunks: number,
  entryId: number,
  publishTime = 0,
): ReceivedChunk {
  const payload = Buffer.from(`${uuid}${chunkId}|`);
  return {
    uuid,
    chunkId,
    numChunks,
    totalSize: payload.length * numChunks,
    id: { ledgerId: 1, entryId, partition: -1, batchIndex: -1 },
    payload,
    publishTime,
  };
}

const entries = (ids: readonly { entryId: number }[] | undefined) => (ids ?? []).map((i) => i.entryId);
const nothing = { ack: [], redeliver: [] };

describe('ChunkAssembler (joining the chunks of split messages)', () => {
  it('joins chunks in order, and keeps interleaved messages apart', () => {
    const a = new ChunkAssembler(LIMITS);
    expect(a.add(chunk('x', 0, 3, 1), 0)).toEqual(nothing);
    expect(a.add(chunk('y', 0, 2, 2), 0)).toEqual(nothing);
    expect(a.add(chunk('x', 1, 3, 3), 0)).toEqual(nothing);
    const y = a.add(chunk('y', 1, 2, 4), 0);
    expect(y.complete?.payload.toString()).toBe('y0|y1|');
    expect(entries(y.complete?.ids)).toEqual([2, 4]);
    const x = a.add(chunk('x', 2, 3, 5), 0);
    expect(x.complete?.payload.toString()).toBe('x0|x1|x2|');
    expect(entries(x.complete?.ids)).toEqual([1, 3, 5]);
    expect(a.pending).toBe(0);
  });

  it('a first chunk again on the same entry (a redelivery) starts over without acknowledging anything', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('x', 0, 2, 1), 0);
    expect(a.add(chunk('x', 0, 2, 1), 0)).toEqual(nothing);
    const done = a.add(chunk('x', 1, 2, 2), 0);
    expect(entries(done.complete?.ids)).toEqual([1, 2]);
  });

  it('a first chunk again on another entry (the producer started over) acknowledges the abandoned chunks', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('x', 0, 3, 1), 0);
    a.add(chunk('x', 1, 3, 2), 0);
    expect(entries(a.add(chunk('x', 0, 3, 3), 0).ack)).toEqual([1, 2]);
    a.add(chunk('x', 1, 3, 4), 0);
    expect(entries(a.add(chunk('x', 2, 3, 5), 0).complete?.ids)).toEqual([3, 4, 5]);
  });

  it('copies of a chunk on other entries are acknowledged, while held and after the message was joined', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('x', 0, 3, 1), 0);
    a.add(chunk('x', 1, 3, 2), 0);
    expect(entries(a.add(chunk('x', 1, 3, 7), 0).ack)).toEqual([7]);
    expect(a.add(chunk('x', 1, 3, 2), 0)).toEqual(nothing); // the same entry: a redelivery
    expect(a.add(chunk('x', 2, 3, 8), 0).complete?.payload.toString()).toBe('x0|x1|x2|');
    // A producer resending after a reconnect, into a topic without deduplication: x1' x2'.
    expect(entries(a.add(chunk('x', 1, 3, 9), 0).ack)).toEqual([9]);
    expect(entries(a.add(chunk('x', 2, 3, 10), 0).ack)).toEqual([10]);
  });

  it('a gap in the chunks gives the message up for now: held chunks and this one are sent again', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('x', 0, 3, 1), 0);
    const gap = a.add(chunk('x', 2, 3, 3), 0);
    expect(gap.ack).toEqual([]);
    expect(entries(gap.redeliver)).toEqual([1, 3]);
    expect(a.pending).toBe(0);
    // Sent again from the first chunk, it is joined after all.
    a.add(chunk('x', 0, 3, 1), 0);
    a.add(chunk('x', 1, 3, 2), 0);
    expect(entries(a.add(chunk('x', 2, 3, 3), 0).complete?.ids)).toEqual([1, 2, 3]);
  });

  it('a stray chunk (no first chunk held) is sent again while recent, acknowledged once older than the expiry', () => {
    const a = new ChunkAssembler(LIMITS);
    expect(entries(a.add(chunk('lost', 1, 3, 1, 1000), 2000).redeliver)).toEqual([1]);
    const old = a.add(chunk('lost', 1, 3, 1, 1000), 1000 + 60_001);
    expect([entries(old.ack), entries(old.redeliver)]).toEqual([[1], []]);
  });

  it('beyond maxPending the oldest incomplete message is given up and its chunks sent again', () => {
    const a = new ChunkAssembler(LIMITS);
    for (const [i, uuid] of ['a', 'b', 'c'].entries())
      expect(a.add(chunk(uuid, 0, 2, i), 0)).toEqual(nothing);
    expect(entries(a.add(chunk('d', 0, 2, 3), 0).redeliver)).toEqual([0]); // 'a'
    expect(a.pending).toBe(3);
    expect(entries(a.add(chunk('d', 1, 2, 11), 0).complete?.ids)).toEqual([3, 11]);
  });

  it('a message announcing more than maxMessageBytes is refused, and none of its chunks is acknowledged', () => {
    const a = new ChunkAssembler({ ...LIMITS, maxMessageBytes: 5 });
    expect(a.add(chunk('big', 0, 2, 1), 0)).toEqual({ ...nothing, refused: true });
    expect(a.pending).toBe(0);
    expect(a.add(chunk('big', 1, 2, 2), 120_000)).toEqual(nothing); // not a stray: left as it is
  });

  it('a chunk with more bytes than the message announced starts the message over', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('x', 0, 2, 1), 0);
    const bloated = { ...chunk('x', 1, 2, 2), payload: Buffer.alloc(100) };
    expect(entries(a.add(bloated, 0).redeliver)).toEqual([1, 2]);
  });

  it('expire() acknowledges messages that got no chunk for longer than the expiry, unless the application is behind', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('old', 0, 3, 1), 0);
    a.add(chunk('old', 1, 3, 2), 10);
    a.add(chunk('new', 0, 2, 3), 50_000);
    expect(a.expire(60_010, false)).toEqual([]);
    expect(a.expire(100_000, true)).toEqual([]); // waiting: the clocks start over
    expect(a.expire(160_000, false)).toEqual([]);
    expect(entries(a.expire(160_001, false))).toEqual([1, 2, 3]);
    expect(a.pending).toBe(0);
    a.add(chunk('z', 0, 2, 4), 0);
    a.clear();
    expect(a.pending).toBe(0);
  });
});
