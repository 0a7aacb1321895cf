import { describe, expect, it } from 'vitest';
import { ChunkAssembler, type ReceivedChunk } from '../../../runtime/pulsar/consumer/chunk-assembler.ts';

const LIMITS = { maxPending: 3, expireMs: 60_000 };

/** Chunk `chunkId` of message `uuid` (of `numChunks`), stored at entry `entryId` of ledger 1. */
function chunk(uuid: string, chunkId: number, numChunks: number, entryId: number): ReceivedChunk {
  return {
    uuid,
    chunkId,
    numChunks,
    id: { ledgerId: 1, entryId, partition: -1, batchIndex: -1 },
    payload: Buffer.from(`${uuid}${chunkId}|`),
  };
}

const entries = (ids: readonly { entryId: number }[] | undefined) =>
  (ids ?? []).map((i) => Number(i.entryId));

describe('ChunkAssembler (joining the chunks of split messages, as the Java client)', () => {
  it('joins chunks in order, and keeps interleaved messages apart', () => {
    const a = new ChunkAssembler(LIMITS);
    expect(a.add(chunk('x', 0, 3, 1), 0)).toEqual({ ack: [] });
    expect(a.add(chunk('y', 0, 2, 2), 0)).toEqual({ ack: [] });
    expect(a.add(chunk('x', 1, 3, 3), 0)).toEqual({ ack: [] });
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
    expect(a.add(chunk('x', 0, 2, 1), 0)).toEqual({ ack: [] });
    const done = a.add(chunk('x', 1, 2, 2), 0);
    expect(done.complete?.payload.toString()).toBe('x0|x1|');
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

  it('a chunk already held is a duplicate: acknowledged when stored twice, ignored when redelivered', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('x', 0, 3, 1), 0);
    a.add(chunk('x', 1, 3, 2), 0);
    expect(entries(a.add(chunk('x', 1, 3, 7), 0).ack)).toEqual([7]);
    expect(a.add(chunk('x', 1, 3, 2), 0)).toEqual({ ack: [] });
    expect(a.add(chunk('x', 2, 3, 8), 0).complete?.payload.toString()).toBe('x0|x1|x2|');
  });

  it('a chunk whose predecessors are missing ends the message, and nothing is acknowledged (it stays in the backlog)', () => {
    const a = new ChunkAssembler(LIMITS);
    expect(a.add(chunk('lost', 1, 3, 1), 0)).toEqual({ ack: [] });
    expect(a.add(chunk('lost', 2, 3, 2), 120_000)).toEqual({ ack: [] }); // old or not
    a.add(chunk('x', 0, 3, 3), 0);
    expect(a.add(chunk('x', 2, 3, 4), 0)).toEqual({ ack: [] }); // chunk 1 skipped
    expect(a.pending).toBe(0);
    expect(a.add(chunk('x', 1, 3, 5), 0)).toEqual({ ack: [] }); // nothing to join it to
    // A redelivery from the first chunk joins it after all.
    a.add(chunk('x', 0, 3, 3), 0);
    a.add(chunk('x', 1, 3, 5), 0);
    expect(a.add(chunk('x', 2, 3, 4), 0).complete?.payload.toString()).toBe('x0|x1|x2|');
  });

  it('beyond maxPending the oldest incomplete message is given up, unacknowledged (redelivered later)', () => {
    const a = new ChunkAssembler(LIMITS);
    for (const [i, uuid] of ['a', 'b', 'c', 'd'].entries()) {
      expect(a.add(chunk(uuid, 0, 2, i), 0)).toEqual({ ack: [] });
    }
    expect(a.pending).toBe(3);
    expect(a.add(chunk('a', 1, 2, 10), 0)).toEqual({ ack: [] }); // 'a' was dropped
    expect(a.add(chunk('d', 1, 2, 11), 0).complete?.payload.toString()).toBe('d0|d1|');
  });

  it('expire() gives up messages incomplete for longer than the expiry, without acknowledging them', () => {
    const a = new ChunkAssembler(LIMITS);
    a.add(chunk('old', 0, 3, 1), 0);
    a.add(chunk('old', 1, 3, 2), 10);
    a.add(chunk('new', 0, 2, 3), 50_000);
    expect(a.expire(60_000)).toBe(0);
    expect(a.expire(60_001)).toBe(1);
    expect(a.pending).toBe(1);
    expect(a.add(chunk('old', 2, 3, 4), 60_002)).toEqual({ ack: [] }); // too late to join
    a.clear();
    expect(a.pending).toBe(0);
  });
});
