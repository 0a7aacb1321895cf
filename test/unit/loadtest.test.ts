import { describe, expect, it } from 'vitest';
import { runArrivalRate } from '../../loadtest/runner/arrival-rate-load.ts';
import { LoadRecorder } from '../../loadtest/runner/load-recorder.ts';
import { percentile } from '../../loadtest/runner/percentile.ts';
import { renderChartSvg } from '../../loadtest/runner/render-chart-svg.ts';
import { parseDuration, readScenarioFile } from '../../loadtest/runner/scenario-file.ts';
import { cloudEventRequest } from '../../loadtest/shared/cloudevent-request.ts';

describe('load test runner pieces', () => {
  it('percentile by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect([percentile(values, 50), percentile(values, 99), percentile(values, 100)]).toEqual([50, 99, 100]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('parses k6 durations and refuses others', () => {
    expect([
      parseDuration('30s'),
      parseDuration('2m'),
      parseDuration('1m30s'),
      parseDuration('250ms'),
    ]).toEqual([30_000, 120_000, 90_000, 250]);
    expect(() => parseDuration('30 seconds')).toThrow('not a duration');
  });

  it('every scenario shared with k6 has what both runners read', () => {
    const file = readScenarioFile();
    expect(file.payloadBytes).toBeGreaterThan(0);
    for (const [name, s] of Object.entries(file.scenarios)) {
      expect([name, s.rate !== undefined || (s.stages?.length ?? 0) > 0]).toEqual([name, true]);
      expect(s.maxVUs).toBeGreaterThanOrEqual(s.preAllocatedVUs);
      expect(s.thresholds.p99Ms).toBeGreaterThanOrEqual(s.thresholds.p95Ms);
    }
  });

  it('builds a valid binary CloudEvent of the configured size', () => {
    const r = cloudEventRequest('run', 7, 1_700_000_000_000, 256, 'dev.knmesh.loadtest');
    expect(Buffer.byteLength(r.body)).toBe(256);
    expect(JSON.parse(r.body)).toMatchObject({ seq: 7, sentAt: 1_700_000_000_000 });
    expect(r.headers).toMatchObject({
      'ce-id': 'run-7',
      'ce-specversion': '1.0',
      'content-type': 'application/json',
    });
  });

  it('records latency from send to reply, ignores unknown and counts duplicate replies', () => {
    const rec = new LoadRecorder(1000);
    rec.sent(1, 1000);
    rec.sent(2, 1500);
    rec.accepted(1, 1002);
    rec.accepted(2, 1504);
    rec.reply(1, 1040);
    rec.reply(1, 1041);
    rec.reply(99, 1042);
    rec.dropped(1600);
    const summary = rec.summary(1000);
    expect(summary).toMatchObject({
      sent: 2,
      accepted: 2,
      replies: 1,
      duplicates: 1,
      missing: 1,
      dropped: 1,
    });
    expect(summary.e2e.p99Ms).toBe(40);
    expect(summary.errorRate).toBeCloseTo(1 / 3);
    expect(rec.timeline()).toHaveLength(1);
  });

  it('starts events on schedule regardless of slow answers, dropping beyond the concurrency limit', async () => {
    let clock = 0;
    const started: number[] = [];
    let dropped = 0;
    const never = new Promise<void>(() => undefined);
    const run = runArrivalRate({
      rate: 100,
      durationMs: 200,
      maxInFlight: 5,
      firstSeq: 10,
      now: () => (clock += 1),
      send: (seq) => {
        started.push(seq);
        return seq < 13 ? Promise.resolve() : never;
      },
      onDropped: () => dropped++,
    });
    // Sends that never finish keep the run pending; what matters is what was started and dropped.
    await new Promise((r) => setTimeout(r, 300));
    expect(started.length + dropped).toBe(20);
    expect(started.slice(0, 3)).toEqual([10, 11, 12]);
    expect(started.length).toBe(8); // 3 finished at once, then 5 outstanding fill the limit
    void run;
  });

  it('renders a chart with one line per series', () => {
    const svg = renderChartSvg('run', [
      {
        t: 0,
        sent: 10,
        accepted: 10,
        errors: 0,
        dropped: 0,
        replies: 9,
        e2eP50Ms: 5,
        e2eP99Ms: 9,
        acceptP99Ms: 2,
      },
      {
        t: 1,
        sent: 10,
        accepted: 10,
        errors: 0,
        dropped: 0,
        replies: 11,
        e2eP50Ms: 6,
        e2eP99Ms: Number.NaN,
        acceptP99Ms: 2,
      },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
    expect(svg).toContain('End-to-end latency');
  });
});
