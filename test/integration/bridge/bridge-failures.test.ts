import { describe, expect, it } from 'vitest';
import type { Bridge } from '../../../runtime/bridge/bridge.ts';
import { ATTEMPTS_PROPERTY_PREFIX } from '../../../runtime/bridge/attempt-journal.ts';
import { findFreePort } from '../../../runtime/net/port-availability.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { uniqueTopic } from '../support/test-broker.ts';
import { collect, command, drainFor, json, produce } from './bridge-kit.ts';
import { useBridgeFixture } from './bridge-fixture.ts';

const rig = useBridgeFixture({ args: ['--timeout-ms', '20000'] });

/** A counter's value (summed over labels). */
async function counter(b: Bridge, name: string): Promise<number> {
  const metric = b.registry.getSingleMetric(name);
  const { values } = await metric!.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

interface Topics {
  readonly input: string;
  readonly output: string;
  readonly dlq: string;
  readonly out: Consumer;
  readonly dead: Consumer;
}

async function topics(name: string): Promise<Topics> {
  const input = uniqueTopic(`${name}-in`);
  const output = uniqueTopic(`${name}-out`);
  const dlq = uniqueTopic(`${name}-dlq`);
  const out = await rig.client.subscribe({
    topic: output,
    subscription: 'check',
    initialPosition: 'earliest',
  });
  const dead = await rig.client.subscribe({ topic: dlq, subscription: 'check', initialPosition: 'earliest' });
  rig.track(out);
  rig.track(dead);
  return { input, output, dlq, out, dead };
}

async function bridge(t: Topics, args: string[], sink?: string): Promise<Bridge> {
  return (await startFor(t, args, sink)).bridge;
}

/** A bridge from `t.input` to `t.output`, dead letters to `t.dlq`, short backoffs unless `args` say. */
function startFor(t: Topics, args: string[], sink?: string): ReturnType<typeof rig.startBridge> {
  return rig.startBridge(
    [
      '--input',
      t.input,
      '--subscription',
      'fn',
      '--output',
      t.output,
      '--dead-letter-topic',
      t.dlq,
      ...(args.includes('--retry-backoff-ms') ? [] : ['--retry-backoff-ms', '50']),
      ...args,
    ],
    sink,
  );
}

describe('metrics', () => {
  it('/metrics counts every outcome: received, delivered, replied, retried, dead-lettered, acked, latency, lag', async () => {
    // Ids of their own: the function process (and its attempt counts per id) is shared by the file.
    const t = await topics('f-metrics');
    const { port } = await startFor(t, ['--max-retries', '3', '--name', 'public/default/counted']);
    await produce(rig.client, t.input, [
      command({ id: 'metrics-a' }),
      command({ id: 'metrics-b' }),
      command({ id: 'metrics-c' }),
      command({ id: 'metrics-quiet', action: 'none' }),
      command({ id: 'metrics-flaky', action: 'fail-times', times: 1 }),
      command({ id: 'metrics-bad', action: 'reject' }),
    ]);
    expect((await collect(t.out, 4)).map((m) => json(m)['id']).sort()).toEqual([
      'metrics-a',
      'metrics-b',
      'metrics-c',
      'metrics-flaky',
    ]);
    expect(await collect(t.dead, 1)).toHaveLength(1);
    await expect.poll(() => rig.admin.backlog(t.input, 'fn'), { timeout: 10_000 }).toBe(0);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const value = (series: string): number | undefined => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const fn = 'function="public/default/counted"';
    expect({
      received: value(`knmesh_bridge_received_total{${fn}}`),
      delivered: value(`knmesh_bridge_delivered_total{outcome="success",${fn}}`),
      deliveredRetry: value(`knmesh_bridge_delivered_total{outcome="retry",${fn}}`),
      deliveredDead: value(`knmesh_bridge_delivered_total{outcome="dead-letter",${fn}}`),
      replied: value(`knmesh_bridge_replies_published_total{${fn}}`),
      retried: value(`knmesh_bridge_retries_total{${fn}}`),
      deadLettered: value(`knmesh_bridge_dead_lettered_total{code="KNMESH_FUNCTION_REJECTED",${fn}}`),
      acked: value(`knmesh_bridge_acked_total{${fn}}`),
      inFlight: value(`knmesh_bridge_in_flight_messages{${fn}}`),
      requests: value(`knmesh_bridge_delivery_duration_seconds_count{mode="binary",${fn}}`),
      lagObserved: value(`knmesh_bridge_end_to_end_lag_seconds_count{${fn}}`),
    }).toEqual({
      received: 6,
      delivered: 5, // a, b, c, quiet, flaky's second attempt
      deliveredRetry: 1,
      deliveredDead: 1,
      replied: 4, // quiet answers nothing
      retried: 1,
      deadLettered: 1,
      acked: 6, // the dead-lettered one too
      inFlight: 0,
      requests: 7,
      lagObserved: 6,
    });
  });
});

describe('retries', () => {
  it('retries a failing delivery and succeeds; the function saw every attempt', async () => {
    const t = await topics('f-retry');
    const b = await bridge(t, ['--max-retries', '3']);
    await produce(rig.client, t.input, [command({ id: 'flaky', action: 'fail-times', times: 2 })]);
    expect((await collect(t.out, 1)).map(json)).toEqual([
      { id: 'flaky', key: '', attempt: 3, overtaken: false },
    ]);
    expect(await counter(b, 'knmesh_bridge_retries_total')).toBe(2);
    expect(await drainFor(t.dead, 300)).toEqual([]);
  });

  it('dead-letters after --max-retries with the payload, key, properties and why', async () => {
    const t = await topics('f-exhaust');
    await bridge(t, ['--max-retries', '2']);
    await produce(rig.client, t.input, [command({ id: 'poison', action: 'fail' }, 'pk', { origin: 'test' })]);
    const [dead] = await collect(t.dead, 1);
    expect(json(dead!)).toEqual({ id: 'poison', action: 'fail' });
    expect(dead!.key).toBe('pk');
    expect(dead!.properties).toMatchObject({
      origin: 'test',
      'content-type': 'application/json',
      REAL_TOPIC: t.input,
      'knmesh-error-code': 'KNMESH_BRIDGE_RETRIES_EXHAUSTED',
      'knmesh-error-last-code': 'KNMESH_FUNCTION_FAILED',
      'knmesh-error-status': '500',
      'knmesh-attempts': '3',
      'knmesh-subscription': 'fn',
    });
    expect(dead!.properties['ORIGIN_MESSAGE_ID']).toMatch(/^\d+:\d+:-1:/);
    expect(await drainFor(t.out, 300)).toEqual([]);
    await expect.poll(() => rig.admin.backlog(t.input, 'fn'), { timeout: 10_000 }).toBe(0);
  });

  it('dead-letters at once on a 4xx (NonRetryableError: 422) and goes on with the next message', async () => {
    const t = await topics('f-reject');
    const b = await bridge(t, ['--max-retries', '5']);
    await produce(rig.client, t.input, [command({ id: 'bad', action: 'reject' }), command({ id: 'good' })]);
    const [dead] = await collect(t.dead, 1);
    expect(dead!.properties).toMatchObject({
      'knmesh-error-code': 'KNMESH_FUNCTION_REJECTED',
      'knmesh-error-status': '422',
      'knmesh-error-reason': 'this input is invalid',
      'knmesh-attempts': '1',
    });
    expect((await collect(t.out, 1)).map((m) => json(m)['id'])).toEqual(['good']);
    expect(await counter(b, 'knmesh_bridge_retries_total')).toBe(0);
  });

  it('gives up on a function that does not answer within --timeout-ms', async () => {
    const t = await topics('f-timeout');
    await bridge(t, ['--max-retries', '1', '--timeout-ms', '300']);
    await produce(rig.client, t.input, [command({ id: 'slow', action: 'sleep', ms: 3000 })]);
    const [dead] = await collect(t.dead, 1, 30_000);
    expect(dead!.properties).toMatchObject({
      'knmesh-error-code': 'KNMESH_BRIDGE_RETRIES_EXHAUSTED',
      'knmesh-error-last-code': 'KNMESH_BRIDGE_DELIVERY_TIMEOUT',
      'knmesh-attempts': '2',
    });
  });

  it('retries an unreachable function, then dead-letters with the network failure', async () => {
    const t = await topics('f-unreachable');
    const closed = `http://127.0.0.1:${await findFreePort()}`;
    await bridge(t, ['--max-retries', '2'], closed);
    await produce(rig.client, t.input, [command({ id: 'nobody-home' })]);
    const [dead] = await collect(t.dead, 1);
    expect(dead!.properties).toMatchObject({
      'knmesh-error-last-code': 'KNMESH_BRIDGE_SINK_UNREACHABLE',
      'knmesh-attempts': '3',
    });
    expect(dead!.properties['knmesh-error-status']).toBeUndefined();
  });
});

describe('retry counts survive a restart (attempt journal)', () => {
  async function restartWhileRetrying(
    journal: boolean,
  ): Promise<{ attempts: number; secondRetries: number }> {
    const t = await topics(journal ? 'f-journal' : 'f-nojournal');
    // Retries 1.5 to 3 s apart (equal jitter of 3 s): time to stop the bridge between two attempts.
    const args = ['--max-retries', '5', '--retry-backoff-ms', '3000', '--retry-backoff-max-ms', '3000'];
    if (!journal) args.push('--no-attempt-journal');
    const first = await bridge(t, args);
    await produce(rig.client, t.input, [command({ id: 'poison', action: 'fail' })]);
    // Two failed attempts, then time for the journal (flushed once a second) to be written.
    await expect
      .poll(() => counter(first, 'knmesh_bridge_retries_total'), { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    await new Promise((r) => setTimeout(r, 1200));
    if (journal) {
      const properties = await rig.admin.subscriptionProperties(t.input, 'fn');
      expect(Object.keys(properties).some((k) => k.startsWith(ATTEMPTS_PROPERTY_PREFIX))).toBe(true);
    }
    const report = await first.stop();
    expect(report.released).toBe(1);
    const second = await bridge(t, args);
    const [dead] = await collect(t.dead, 1, 30_000);
    const secondRetries = await counter(second, 'knmesh_bridge_retries_total');
    if (journal) {
      await expect
        .poll(async () => Object.keys(await rig.admin.subscriptionProperties(t.input, 'fn')).length, {
          timeout: 10_000,
        })
        .toBe(0);
    }
    return { attempts: Number(dead!.properties['knmesh-attempts']), secondRetries };
  }

  it('with the journal, a restarted bridge continues the count: 6 attempts in all for --max-retries 5', async () => {
    const { attempts, secondRetries } = await restartWhileRetrying(true);
    expect(attempts).toBe(6);
    expect(secondRetries).toBe(3); // attempts 3 to 6
  });

  it('without it (the broker forgets redelivery counts when the last consumer leaves), the count starts over', async () => {
    const { attempts, secondRetries } = await restartWhileRetrying(false);
    expect(secondRetries).toBe(5);
    expect(attempts).toBe(6); // what the second bridge counted; the first one's attempts are lost
  });
});
