import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus, PipelineStatus } from '../../../../adapter/dev/pipeline-status.ts';
import { BridgeMetrics } from '../../../../runtime/bridge/bridge-metrics.ts';

const servers: Server[] = [];

/** Serves a real `BridgeMetrics` registry the way the bridge's /metrics does. */
async function serveBridgeMetrics(): Promise<{ url: string; metrics: BridgeMetrics }> {
  const registry = new Registry();
  const metrics = new BridgeMetrics(registry, { held: () => 0, requests: () => 0, connected: () => true });
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => res.end(text));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, metrics };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('PipelineStatus', () => {
  it("reads the bridge's own counters and counts only successful deliveries as delivered", async () => {
    const a = await serveBridgeMetrics();
    const b = await serveBridgeMetrics();
    a.metrics.received.inc(10);
    a.metrics.delivered.inc({ outcome: 'success' }, 7);
    a.metrics.delivered.inc({ outcome: 'retry' }, 3);
    a.metrics.retried.inc(3);
    a.metrics.deadLettered.inc({ code: 'KNMESH_FUNCTION_ERROR' }, 1);
    b.metrics.received.inc(5);
    b.metrics.delivered.inc({ outcome: 'success' }, 5);

    const status = new PipelineStatus([a.url, b.url]);
    const first = await status.sample(1_000);
    expect(first.counts).toEqual({ received: 15, delivered: 12, retried: 3, deadLettered: 1 });
    expect(first.rates).toEqual({ received: 0, delivered: 0, retried: 0, deadLettered: 0 });

    a.metrics.received.inc(20);
    a.metrics.delivered.inc({ outcome: 'success' }, 20);
    const second = await status.sample(3_000);
    expect(second.counts.received).toBe(35);
    expect(second.rates.received).toBe(10);
    expect(second.rates.delivered).toBe(10);
    expect(formatStatus(second)).toBe(
      'received 35 (10.0/s)  delivered 32 (10.0/s)  retried 3 (0.0/s)  dead-lettered 1 (0.0/s)',
    );
  });

  it('shows zeros while a bridge does not answer', async () => {
    const status = new PipelineStatus(['http://127.0.0.1:9']);
    const snapshot = await status.sample();
    expect(snapshot.counts).toEqual({ received: 0, delivered: 0, retried: 0, deadLettered: 0 });
  });
});
