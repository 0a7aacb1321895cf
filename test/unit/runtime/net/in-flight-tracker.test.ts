import { describe, expect, it } from 'vitest';
import { InFlightTracker } from '../../../../runtime/net/in-flight-tracker.ts';

describe('InFlightTracker', () => {
  it('resolves idle() at once when nothing runs, and when the last piece of work leaves', async () => {
    const tracker = new InFlightTracker();
    expect(await tracker.idle()).toBe(true);
    tracker.enter();
    tracker.enter();
    let done = false;
    const idle = tracker.idle().then((v) => (done = v));
    tracker.leave();
    await Promise.resolve();
    expect(done).toBe(false);
    tracker.leave();
    expect(await idle).toBe(true);
    expect(tracker.count).toBe(0);
  });

  it('gives up with false when the signal aborts first', async () => {
    const tracker = new InFlightTracker();
    tracker.enter();
    const controller = new AbortController();
    const idle = tracker.idle(controller.signal);
    controller.abort();
    expect(await idle).toBe(false);
    expect(tracker.count).toBe(1);
  });

  it('never goes below zero', () => {
    const tracker = new InFlightTracker();
    tracker.leave();
    expect(tracker.count).toBe(0);
  });
});
