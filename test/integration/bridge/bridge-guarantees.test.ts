import { describe, expect, it } from 'vitest';
import type { Bridge } from '../../../runtime/bridge/bridge.ts';
import { effectivelyOnceSequenceId } from '../../../runtime/bridge/effectively-once-sequence.ts';
import { MessageId } from '../../../runtime/pulsar/message-id.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { uniqueTopic } from '../support/test-broker.ts';
import { collect, command, drainFor, json, produce } from './bridge-kit.ts';
import { useBridgeFixture } from './bridge-fixture.ts';

const rig = useBridgeFixture();

async function bridge(args: string[]): Promise<Bridge> {
  const { bridge: b } = await rig.startBridge(['--subscription', 'fn', '--retry-backoff-ms', '50', ...args]);
  return b;
}

async function reader(topic: string): Promise<Consumer> {
  const c = await rig.client.subscribe({ topic, subscription: 'check', initialPosition: 'earliest' });
  return rig.track(c);
}

describe('at-least-once', () => {
  it('publishes every reply, then acknowledges: nothing is left in the backlog', async () => {
    const input = uniqueTopic('g-alo-in');
    const output = uniqueTopic('g-alo-out');
    const out = await reader(output);
    await bridge(['--input', input, '--output', output, '--guarantee', 'atleast_once']);
    await produce(
      rig.client,
      input,
      Array.from({ length: 100 }, (_, i) => command({ id: `m${i}` })),
    );
    expect(new Set((await collect(out, 100)).map((m) => json(m)['id'])).size).toBe(100);
    await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 10_000 }).toBe(0);
  });
});

describe('at-most-once', () => {
  it('acknowledges on receipt, before the function answers, and never retries a failure', async () => {
    const input = uniqueTopic('g-amo-in');
    const output = uniqueTopic('g-amo-out');
    const dlq = uniqueTopic('g-amo-dlq');
    const out = await reader(output);
    const dead = await reader(dlq);
    const b = await bridge([
      '--input',
      input,
      '--output',
      output,
      '--dead-letter-topic',
      dlq,
      '--guarantee',
      'atmost_once',
    ]);
    await produce(rig.client, input, [
      command({ id: 'slow', action: 'sleep', ms: 3000 }),
      command({ id: 'bad', action: 'fail' }),
    ]);
    // Acknowledged while the function is still sleeping.
    await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 2500, interval: 100 }).toBe(0);
    const [failed] = await collect(dead, 1);
    expect(failed!.properties).toMatchObject({
      'knmesh-error-code': 'KNMESH_FUNCTION_FAILED',
      'knmesh-attempts': '1',
    });
    expect((await collect(out, 1)).map((m) => json(m)['id'])).toEqual(['slow']);
    const retries = (await b.registry.getSingleMetric('knmesh_bridge_retries_total')!.get()).values[0]!.value;
    expect(retries).toBe(0);
  });
});

describe('manual', () => {
  it('acknowledges on a 2xx only; failures are retried, then dead-lettered', async () => {
    const input = uniqueTopic('g-manual-in');
    const output = uniqueTopic('g-manual-out');
    const dlq = uniqueTopic('g-manual-dlq');
    const out = await reader(output);
    const dead = await reader(dlq);
    await bridge([
      '--input',
      input,
      '--output',
      output,
      '--dead-letter-topic',
      dlq,
      '--guarantee',
      'manual',
      '--max-retries',
      '1',
    ]);
    await produce(rig.client, input, [command({ id: 'ok' }), command({ id: 'bad', action: 'fail' })]);
    expect((await collect(out, 1)).map((m) => json(m)['id'])).toEqual(['ok']);
    expect((await collect(dead, 1))[0]!.properties['knmesh-attempts']).toBe('2');
    await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 10_000 }).toBe(0);
  });
});

describe('effectively-once', () => {
  it('turns on de-duplication for the output topic, names the producer after the input partition, derives sequence ids', async () => {
    const input = uniqueTopic('g-eo-in');
    const output = uniqueTopic('g-eo-out');
    const out = await reader(output);
    expect(await rig.admin.deduplicationEnabled(output)).toBe(false);
    await bridge([
      '--input',
      input,
      '--output',
      output,
      '--guarantee',
      'effectively_once',
      '--subscription-type',
      'failover',
    ]);
    expect(await rig.admin.deduplicationEnabled(output)).toBe(true);
    await produce(rig.client, input, [command({ id: 'a' })]);
    const [reply] = await collect(out, 1);
    expect(reply!.producerName).toBe(`fn@${input}`);
    const inputId = Buffer.from(reply!.properties['__pfn_input_msg_id__']!, 'base64');
    expect(reply!.sequenceId).toBe(effectivelyOnceSequenceId(MessageId.fromBytes(inputId), 0));
  });

  it('publishes nothing twice when every input is processed again (cursor reset, batched inputs, several replies each)', async () => {
    const input = uniqueTopic('g-eo2-in');
    const output = uniqueTopic('g-eo2-out');
    const out = await reader(output);
    const args = [
      '--input',
      input,
      '--output',
      output,
      '--guarantee',
      'effectively_once',
      '--subscription-type',
      'failover',
      '--delivery',
      'batch',
    ];
    const first = await bridge(args);
    // Batched by the producer: messages share ledger:entry, which Functions' own ids cannot tell apart.
    await produce(
      rig.client,
      input,
      Array.from({ length: 60 }, (_, i) =>
        command({ id: `m${i}`, action: 'fan-out', topic: output, times: 2 }),
      ),
    );
    const firstRound = await collect(out, 180);
    expect(firstRound).toHaveLength(180);
    // Every reply has its own sequence id, growing in publish order (the broker drops anything else).
    const ids = firstRound.map((m) => m.sequenceId);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    await first.stop();
    await rig.admin.resetCursor(input, 'fn', 0);
    const second = await bridge(args);
    await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 20_000 }).toBe(0);
    expect(await drainFor(out, 1500)).toEqual([]);
    const received = (await second.registry.getSingleMetric('knmesh_bridge_received_total')!.get()).values[0]!
      .value;
    expect(received).toBe(60); // every input was delivered again
    const keys = firstRound.map((m) => JSON.stringify(json(m)));
    expect(new Set(keys).size).toBe(180);
  });

  it('keeps publishing nothing twice when a second replica takes partitions over (failover hand-over)', async () => {
    const input = uniqueTopic('g-eo3-in');
    const output = uniqueTopic('g-eo3-out');
    await rig.admin.createTopic(input, 2);
    const out = await reader(output);
    const args = [
      '--input',
      input,
      '--output',
      output,
      '--guarantee',
      'effectively_once',
      '--subscription-type',
      'failover',
    ];
    const first = await bridge(args);
    const batch = (from: number) =>
      Array.from({ length: 200 }, (_, i) => command({ id: `m${from + i}` }, `k${(from + i) % 16}`));
    await produce(rig.client, input, batch(0));
    const early = await collect(out, 50);
    const second = await bridge(args);
    await produce(rig.client, input, batch(200));
    const rest = await collect(out, 400 - early.length, 60_000);
    const ids = [...early, ...rest].map((m) => String(json(m)['id']));
    expect(new Set(ids).size).toBe(400);
    expect(await drainFor(out, 1500)).toEqual([]);
    // The second replica really took a partition over and published under its name.
    const secondReceived = (await second.registry.getSingleMetric('knmesh_bridge_received_total')!.get())
      .values[0]!.value;
    const firstReceived = (await first.registry.getSingleMetric('knmesh_bridge_received_total')!.get())
      .values[0]!.value;
    expect(secondReceived).toBeGreaterThan(0);
    expect(firstReceived + secondReceived).toBeGreaterThanOrEqual(400);
  });
});
