import { describe, expect, it } from 'vitest';
import { PartitionHandOver } from '../../../../runtime/bridge/partition-hand-over.ts';
import { FakeTimers } from './bridge-test-kit.ts';

function rig(held: Record<string, number>) {
  const timers = new FakeTimers();
  const givenUp: string[] = [];
  const handOver = new PartitionHandOver({
    timers,
    heldOf: (topic) => held[topic] ?? 0,
    giveUp: (topic) => givenUp.push(topic),
    pollMs: 100,
    maxPolls: 5,
  });
  return { timers, givenUp, handOver };
}

describe('PartitionHandOver', () => {
  it('gives a partition up at once when nothing of it is held, and only when it became inactive', () => {
    const { givenUp, handOver } = rig({});
    handOver.changed('p-0', true);
    expect(givenUp).toEqual([]);
    handOver.changed('p-0', false);
    expect(givenUp).toEqual(['p-0']);
  });

  it('waits until the partition is idle, or gives it up after the last poll', async () => {
    const held = { 'p-0': 2, 'p-1': 1 };
    const { timers, givenUp, handOver } = rig(held);
    handOver.changed('p-0', false);
    handOver.changed('p-1', false);
    await timers.advance(250);
    expect(givenUp).toEqual([]);
    held['p-1'] = 0;
    await timers.advance(100);
    expect(givenUp).toEqual(['p-1']);
    await timers.advance(1000); // p-0 still held: given up after 5 polls anyway
    expect(givenUp).toEqual(['p-1', 'p-0']);
    expect(timers.pending).toBe(0);
  });

  it('gives nothing up when the partition comes back before it is idle (its producers are in use again)', async () => {
    const held = { 'p-0': 3 };
    const { timers, givenUp, handOver } = rig(held);
    handOver.changed('p-0', false);
    await timers.advance(150);
    handOver.changed('p-0', true);
    held['p-0'] = 0;
    await timers.advance(1000);
    expect(givenUp).toEqual([]);
    // Moving away again starts a new hand-over, which completes.
    handOver.changed('p-0', false);
    expect(givenUp).toEqual(['p-0']);
  });

  it('ends pending hand-overs when the bridge stops (it closes every producer itself)', async () => {
    const held = { 'p-0': 1 };
    const { timers, givenUp, handOver } = rig(held);
    handOver.changed('p-0', false);
    handOver.stop();
    held['p-0'] = 0;
    await timers.advance(1000);
    expect(givenUp).toEqual([]);
    expect(timers.pending).toBe(0);
  });
});
