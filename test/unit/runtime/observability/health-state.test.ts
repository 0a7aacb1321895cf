import { describe, expect, it } from 'vitest';
import { HealthState } from '../../../../runtime/observability/health-state.ts';

describe('HealthState', () => {
  it('is live but not ready while starting, ready once started, neither ready nor restarted while draining', () => {
    const health = new HealthState();
    expect([health.phase, health.live, health.ready]).toEqual(['starting', true, false]);
    health.markReady();
    expect([health.phase, health.live, health.ready]).toEqual(['ready', true, true]);
    health.markDraining();
    expect([health.phase, health.live, health.ready]).toEqual(['draining', true, false]);
    health.markStopped();
    expect([health.phase, health.live, health.ready]).toEqual(['stopped', false, false]);
  });

  it('never turns ready after a shutdown began, even if start-up finishes later', () => {
    const health = new HealthState();
    health.markDraining();
    health.markReady();
    expect(health.ready).toBe(false);
    expect(health.phase).toBe('draining');
  });
});
