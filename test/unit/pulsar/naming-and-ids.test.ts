import { describe, expect, it } from 'vitest';
import { ackSetHas, ackSetOf } from '../../../runtime/pulsar/consumer/ack-set.ts';
import { BatchAckTracker } from '../../../runtime/pulsar/consumer/batch-ack-tracker.ts';
import { javaStringHash } from '../../../runtime/pulsar/hashing/java-string-hash.ts';
import { murmur3_32Hash } from '../../../runtime/pulsar/hashing/murmur3-32-hash.ts';
import { MessageId } from '../../../runtime/pulsar/message-id.ts';
import { PulsarErrors } from '../../../runtime/pulsar/pulsar-errors.ts';
import { parseTopicName, partitionName } from '../../../runtime/pulsar/topic-name.ts';

describe('topic names', () => {
  it('completes short names as the Java client does', () => {
    expect(parseTopicName('orders').fullName).toBe('persistent://public/default/orders');
    expect(parseTopicName('acme/prod/orders').fullName).toBe('persistent://acme/prod/orders');
    const t = parseTopicName('non-persistent://acme/prod/orders-partition-3');
    expect(t.domain).toBe('non-persistent');
    expect(t.namespaceName).toBe('acme/prod');
    expect(t.partitionIndex).toBe(3);
    expect(t.baseName).toBe('non-persistent://acme/prod/orders');
    expect(partitionName('persistent://a/b/c', 2)).toBe('persistent://a/b/c-partition-2');
    expect(parseTopicName('persistent://acme/cluster/ns/t').namespaceName).toBe('acme/cluster/ns');
  });

  it('rejects malformed names with a typed error', () => {
    for (const bad of [
      '',
      'a/b',
      'a/b/c/d/e',
      'http://a/b/c',
      'persistent://a b/c/d',
      'persistent://a/b/',
      'persistent://a/b/c d',
    ]) {
      expect(() => parseTopicName(bad)).toThrowError(
        expect.objectContaining({ code: PulsarErrors.invalidTopicName.code }),
      );
    }
  });
});

describe('message ids', () => {
  it('have a stable string form, an order, and the Java byte form', () => {
    const a = new MessageId(12, 3, -1, 4, 10);
    expect(a.toString()).toBe('12:3:-1:4');
    expect(MessageId.parse('12:3:-1:4').equals(a)).toBe(true);
    expect(new MessageId(12, 3, -1, 5).compareTo(a)).toBeGreaterThan(0);
    expect(new MessageId(11, 99).compareTo(a)).toBeLessThan(0);
    const back = MessageId.fromBytes(new MessageId(7, 8, 2).toBytes());
    expect(back.toString()).toBe('7:8:2:-1');
    // ledgerId 7, entryId 8, partition 2 as MessageIdData
    expect(new MessageId(7, 8, 2).toBytes()).toEqual(Buffer.from([0x08, 7, 0x10, 8, 0x18, 2]));
    expect(() => MessageId.parse('1:2')).toThrow(RangeError);
  });
});

describe('batch-index ack sets', () => {
  it('are BitSet.toLongArray() words with set bits for unacknowledged messages', () => {
    expect(ackSetOf((i) => i >= 7, 10)).toEqual([896n]); // bits 7, 8, 9
    expect(ackSetOf(() => false, 10)).toEqual([]);
    const all = ackSetOf(() => true, 64);
    expect(all).toEqual([-1n]); // all 64 bits: a negative long
    const wide = ackSetOf((i) => i === 70, 100);
    expect(wide).toEqual([0n, 64n]);
    expect(ackSetHas(wide, 70)).toBe(true);
    expect(ackSetHas(wide, 69)).toBe(false);
    expect(ackSetHas(all, 63)).toBe(true);
    expect(ackSetHas([], 0)).toBe(false);
  });

  it('track a batch until every message is acknowledged', () => {
    const tracker = new BatchAckTracker(4, (i) => i === 0);
    expect(tracker.isAcked(0)).toBe(true);
    expect(tracker.ack(1)).toBe(true);
    expect(tracker.ack(1)).toBe(false);
    expect(tracker.complete).toBe(false);
    tracker.ackUpTo(3);
    expect(tracker.complete).toBe(true);
  });
});

describe('key hashes', () => {
  it('match Java String.hashCode and Pulsar Murmur3_32Hash', () => {
    expect(javaStringHash('hello')).toBe(99162322);
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('polygenelubricants')).toBe(0); // hashCode is Integer.MIN_VALUE
    expect(javaStringHash('ключ')).toBe(33309882); // UTF-16 code units, not UTF-8 bytes
    expect(murmur3_32Hash('hello')).toBe(0x248bfa47 & 0x7fffffff);
    expect(murmur3_32Hash('')).toBe(0);
    expect(murmur3_32Hash('The quick brown fox jumps over the lazy dog')).toBe(0x2e4ff723 & 0x7fffffff);
  });
});
