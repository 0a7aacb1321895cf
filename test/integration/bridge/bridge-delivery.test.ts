import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bridge } from '../../../runtime/bridge/bridge.ts';
import { BRIDGE_ROUTES } from '../../../runtime/bridge/bridge-routes.ts';
import { pulsarBinding } from '../../../runtime/cloudevents/pulsar-binding.ts';
import { toCloudEvent } from '../../../runtime/cloudevents/to-cloud-event.ts';
import { ServeProcess } from '../host/serve-process.ts';
import { runJavaTool } from '../support/run-java-tool.ts';
import { brokerMaxMessageSize, testBroker, uniqueTopic } from '../support/test-broker.ts';
import { collect, command, drainFor, fixtureFunction, json, produce } from './bridge-kit.ts';
import { useBridgeFixture } from './bridge-fixture.ts';

const rig = useBridgeFixture({ env: { JITTER_MS: '4' } });

async function bridge(args: string[]): Promise<{ bridge: Bridge; port: number; logs: { msg: string }[] }> {
  return rig.startBridge(args);
}

describe('start', () => {
  it('ensures the subscription at earliest before consuming, so a backlog published earlier is delivered', async () => {
    const input = uniqueTopic('b-start-in');
    const output = uniqueTopic('b-start-out');
    await produce(
      rig.client,
      input,
      [0, 1, 2].map((i) => command({ id: `early-${i}` })),
    );
    expect(await rig.admin.subscriptions(input)).toEqual([]);
    const out = await rig.client.subscribe({
      topic: output,
      subscription: 'check',
      initialPosition: 'earliest',
    });
    const { logs } = await bridge(['--input', input, '--subscription', 'fn', '--output', output]);
    const ensured = logs.findIndex((l) => l.msg === 'subscription ensured');
    expect(ensured).toBeGreaterThanOrEqual(0);
    expect(ensured).toBeLessThan(logs.findIndex((l) => l.msg === 'bridge ready'));
    expect((await collect(out, 3)).map((m) => json(m)['id']).sort()).toEqual([
      'early-0',
      'early-1',
      'early-2',
    ]);
    await out.close();
  });

  it('with --subscription-position latest, skips what was published before the subscription existed', async () => {
    const input = uniqueTopic('b-latest-in');
    const output = uniqueTopic('b-latest-out');
    await produce(rig.client, input, [command({ id: 'before' })]);
    const out = await rig.client.subscribe({
      topic: output,
      subscription: 'check',
      initialPosition: 'earliest',
    });
    await bridge([
      '--input',
      input,
      '--subscription',
      'fn',
      '--output',
      output,
      '--subscription-position',
      'latest',
    ]);
    await produce(rig.client, input, [command({ id: 'after' })]);
    expect((await collect(out, 1)).map((m) => json(m)['id'])).toEqual(['after']);
    expect(await drainFor(out, 1000)).toEqual([]);
    await out.close();
  });

  it('answers /healthz, /readyz and /metrics on its port', async () => {
    const { port } = await bridge([
      '--input',
      uniqueTopic('b-probes'),
      '--subscription',
      'fn',
      '--name',
      'public/default/probed',
    ]);
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(base + BRIDGE_ROUTES.liveness)).status).toBe(200);
    const ready = await fetch(base + BRIDGE_ROUTES.readiness);
    expect([ready.status, await ready.json()]).toEqual([200, { status: 'ready' }]);
    const metrics = await (await fetch(base + BRIDGE_ROUTES.metrics)).text();
    expect(metrics).toContain('knmesh_bridge_received_total{function="public/default/probed"} 0');
    expect(metrics).toContain('knmesh_bridge_connected{function="public/default/probed"} 1');
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(base + BRIDGE_ROUTES.readiness, { method: 'POST' })).status).toBe(405);
  });
});

describe('large inputs', () => {
  // The Java client of the broker's distribution writes the chunked message.
  it.skipIf(testBroker().distribution === undefined)(
    'delivers an input a chunking producer split into several entries, and acknowledges every chunk',
    async () => {
      const input = uniqueTopic('b-chunked-in');
      const output = uniqueTopic('b-chunked-out');
      const maxMessageSize = await brokerMaxMessageSize();
      const body = JSON.stringify({ id: 'big-0', pad: 'x'.repeat(Math.round(maxMessageSize * 1.4)) });
      const file = join(await mkdtemp(join(tmpdir(), 'knmesh-bridge-chunks-')), 'big.json');
      await writeFile(file, body);
      // A function host that takes bodies this large (the default limit is 5 MiB).
      const fn = await ServeProcess.start([
        fixtureFunction('bridge-function.ts'),
        '--body-limit-bytes',
        String(4 * maxMessageSize),
      ]);
      const out = rig.track(
        await rig.client.subscribe({ topic: output, subscription: 'check', initialPosition: 'earliest' }),
      );
      await rig.startBridge(['--input', input, '--subscription', 'fn', '--output', output], fn.url);
      await runJavaTool('pulsar-client', [
        '--url',
        testBroker().brokerUrl,
        'produce',
        '--chunking',
        '-f',
        file,
        '-k',
        'big-key',
        '-p',
        'content-type=application/json',
        input,
      ]);
      expect((await rig.admin.topicStats(input)).msgInCounter).toBeGreaterThanOrEqual(2); // chunks
      const [reply] = await collect(out, 1, 60_000);
      expect(json(reply!)).toMatchObject({ id: 'big-0', key: 'big-key', attempt: 1 });
      expect(reply!.key).toBe('big-key');
      await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 10_000 }).toBe(0);
    },
  );
});

describe('large dead letters', () => {
  it('an input the function refuses as too large is dead-lettered whole, in chunks', async () => {
    const input = uniqueTopic('b-bigdead-in');
    const dlq = uniqueTopic('b-bigdead-dlq');
    const maxMessageSize = await brokerMaxMessageSize();
    const dead = rig.track(
      await rig.client.subscribe({ topic: dlq, subscription: 'check', initialPosition: 'earliest' }),
    );
    // The fixture function's host takes at most 5 MiB: this input is answered 413.
    await rig.startBridge(['--input', input, '--subscription', 'fn', '--dead-letter-topic', dlq]);
    // Random text: still above the limit once the bridge's producer has compressed it (LZ4).
    const pad = randomBytes(Math.round(maxMessageSize * 1.2)).toString('base64');
    const body = JSON.stringify({ id: 'huge-0', pad });
    const producer = await rig.client.createProducer({ topic: input, chunking: true });
    await producer.send({
      payload: Buffer.from(body),
      key: 'huge-key',
      properties: { 'content-type': 'application/json' },
    });
    await producer.close();
    const [letter] = await collect(dead, 1, 60_000);
    expect(letter!.payload.toString()).toBe(body);
    expect(letter!.key).toBe('huge-key');
    expect(letter!.properties).toMatchObject({ 'knmesh-error-status': '413' });
    await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 10_000 }).toBe(0);
    expect((await rig.admin.topicStats(dlq)).msgInCounter).toBeGreaterThanOrEqual(2); // in chunks
  });
});

describe('ordering', () => {
  const keys = ['k0', 'k1', 'k2', 'k3', 'k4'];

  async function run(
    type: string,
    extra: string[] = [],
    partitions = 0,
    action: (i: number) => Record<string, unknown> = () => ({}),
  ) {
    const input = uniqueTopic(`b-${type}-in`);
    const output = uniqueTopic(`b-${type}-out`);
    if (partitions > 0) await rig.admin.createTopic(input, partitions);
    const out = await rig.client.subscribe({
      topic: output,
      subscription: 'check',
      initialPosition: 'earliest',
    });
    await bridge([
      '--input',
      input,
      '--subscription',
      'fn',
      '--output',
      output,
      '--subscription-type',
      type,
      '--max-in-flight',
      '50',
      ...extra,
    ]);
    const total = 250;
    const runTag = randomUUID().slice(0, 8); // ids unique to this run: the function process is shared
    await produce(
      rig.client,
      input,
      Array.from({ length: total }, (_, i) =>
        command({ id: `${keys[i % keys.length]}-${i}-${runTag}`, ...action(i) }, keys[i % keys.length]),
      ),
    );
    const got = (await collect(out, total)).map(json);
    await out.close();
    expect(new Set(got.map((g) => g['id'])).size).toBe(total);
    return got;
  }

  function inKeyOrder(got: Record<string, unknown>[]): void {
    for (const key of keys) {
      const seq = got.filter((g) => g['key'] === key).map((g) => Number(String(g['id']).split('-')[1]));
      expect(seq).toEqual([...seq].sort((a, b) => a - b));
    }
  }

  it('shared: concurrently, every message once', async () => {
    const got = await run('shared');
    expect(Math.max(...got.map((g) => Number(g['concurrentInAll'])))).toBeGreaterThan(1);
  });

  it('key_shared: keys concurrently, one message per key at a time, each key in order', async () => {
    const got = await run('key_shared');
    expect(got.every((g) => g['concurrent'] === 1)).toBe(true);
    expect(Math.max(...got.map((g) => Number(g['concurrentInAll'])))).toBeGreaterThan(1);
    inKeyOrder(got);
  });

  it('key_shared with batched delivery: still one request per key at a time, each key in order', async () => {
    const got = await run('key_shared', ['--delivery', 'batch', '--batch-size', '20']);
    expect(got.every((g) => g['concurrent'] === 1)).toBe(true);
    inKeyOrder(got);
  });

  it('key_shared with batched delivery and retries: a retried message is never overtaken by a later one of its key', async () => {
    // Every 7th message fails once; the host must not run the rest of its key's batch before it.
    const got = await run(
      'key_shared',
      ['--delivery', 'batch', '--batch-size', '20', '--retry-backoff-ms', '50'],
      0,
      (i) => (i % 7 === 3 ? { action: 'fail-times', times: 1 } : {}),
    );
    expect(got.filter((g) => g['attempt'] === 2).length).toBeGreaterThan(30);
    expect(got.filter((g) => g['overtaken'] === true).map((g) => g['id'])).toEqual([]);
    inKeyOrder(got);
  });

  it('failover: strictly one message at a time per partition, in order', async () => {
    const got = await run('failover', [], 2);
    expect(got.every((g) => g['concurrentInTopic'] === 1)).toBe(true);
    inKeyOrder(got);
    expect(new Set(got.map((g) => g['topic'])).size).toBe(2);
  });

  it('exclusive: strictly one message at a time per partition, in order', async () => {
    const got = await run('exclusive', [], 2);
    expect(got.every((g) => g['concurrentInTopic'] === 1)).toBe(true);
    inKeyOrder(got);
    expect(new Set(got.map((g) => g['topic'])).size).toBe(2);
  });
});

describe('replies', () => {
  it('go to --output with the input key, forwarded properties and the provenance of Pulsar Functions', async () => {
    const input = uniqueTopic('b-reply-in');
    const output = uniqueTopic('b-reply-out');
    const out = await rig.client.subscribe({
      topic: output,
      subscription: 'check',
      initialPosition: 'earliest',
    });
    await bridge(['--input', input, '--subscription', 'fn', '--output', output]);
    await produce(rig.client, input, [command({ id: 'r1' }, 'the-key', { region: 'eu' })]);
    const [reply] = await collect(out, 1);
    expect(reply!.key).toBe('the-key');
    expect(reply!.properties).toMatchObject({
      region: 'eu',
      __pfn_input_topic__: input,
      'content-type': 'application/json',
      ce_type: 'dev.knmesh.function.output',
    });
    expect(json(reply!)).toMatchObject({
      id: 'r1',
      properties: { region: 'eu', 'content-type': 'application/json' },
    });
    // The reply is itself a CloudEvent in the Pulsar binding.
    const [event] = pulsarBinding.toEvents(reply!).entries;
    expect(event).toMatchObject({ type: 'dev.knmesh.function.output', partitionkey: 'the-key' });
    await out.close();
  });

  it('are gathered into producer batches for --publish-delay-ms', async () => {
    // 20 inputs delivered at once; the function answers input i after i × 20 ms, so the replies span
    // ~380 ms. Waiting 1 s puts them all into one batch (one broker entry); the default 1 ms cannot.
    const entriesOf = async (args: string[]): Promise<number> => {
      const input = uniqueTopic('b-delay-in');
      const output = uniqueTopic('b-delay-out');
      const out = await rig.client.subscribe({
        topic: output,
        subscription: 'check',
        initialPosition: 'earliest',
      });
      await bridge(['--input', input, '--subscription', 'fn', '--output', output, ...args]);
      await produce(
        rig.client,
        input,
        Array.from({ length: 20 }, (_, i) => command({ id: `d${i}`, action: 'sleep', ms: i * 20 })),
      );
      const replies = await collect(out, 20);
      await out.close();
      return new Set(replies.map((m) => `${m.messageId.ledgerId}:${m.messageId.entryId}`)).size;
    };
    expect(await entriesOf(['--publish-delay-ms', '1000'])).toBe(1);
    expect(await entriesOf([])).toBeGreaterThan(1);
  });

  it('go to an allowed reply topic; a refused topic dead-letters the input and publishes nothing of it', async () => {
    const input = uniqueTopic('b-allowed-in');
    const output = uniqueTopic('b-allowed-out');
    const alerts = uniqueTopic('b-alerts');
    const dlq = uniqueTopic('b-allowed-dlq');
    const subs = await Promise.all(
      [output, alerts, dlq].map((topic) =>
        rig.client.subscribe({ topic, subscription: 'check', initialPosition: 'earliest' }),
      ),
    );
    const [out, alertsOut, dlqOut] = subs as [(typeof subs)[0], (typeof subs)[0], (typeof subs)[0]];
    await bridge([
      '--input',
      input,
      '--subscription',
      'fn',
      '--output',
      output,
      '--allowed-reply-topic',
      alerts,
      '--dead-letter-topic',
      dlq,
    ]);
    await produce(rig.client, input, [
      command({ id: 'ok', action: 'publish', topic: alerts }),
      command({ id: 'bad', action: 'publish', topic: uniqueTopic('b-forbidden') }),
    ]);
    const [alert] = await collect(alertsOut, 1);
    expect([json(alert!), alert!.key, alert!.properties['kind']]).toEqual([
      { alert: 'ok' },
      'alert-key',
      'alert',
    ]);
    expect((await collect(out, 1)).map((m) => json(m)['id'])).toEqual(['ok']);
    const [dead] = await collect(dlqOut, 1);
    expect(json(dead!)).toEqual({
      id: 'bad',
      action: 'publish',
      topic: expect.stringContaining('b-forbidden') as unknown,
    });
    expect(dead!.properties).toMatchObject({
      'knmesh-error-code': 'KNMESH_BRIDGE_REPLY_TOPIC_REFUSED',
      REAL_TOPIC: input,
    });
    expect(await drainFor(out, 500)).toEqual([]);
    await Promise.all(subs.map((s) => s.close()));
  });

  it('several replies of one input (publishes, then the return value) are published in order', async () => {
    const input = uniqueTopic('b-fan-in');
    const output = uniqueTopic('b-fan-out');
    const out = await rig.client.subscribe({
      topic: output,
      subscription: 'check',
      initialPosition: 'earliest',
    });
    await bridge(['--input', input, '--subscription', 'fn', '--output', output, '--delivery', 'batch']);
    await produce(rig.client, input, [command({ id: 'f', action: 'fan-out', topic: output, times: 3 })]);
    const got = (await collect(out, 4)).map(json);
    expect(got).toEqual([
      { id: 'f', part: 0 },
      { id: 'f', part: 1 },
      { id: 'f', part: 2 },
      { id: 'f', part: 'main' },
    ]);
    await out.close();
  });

  it('a CloudEvent input keeps its attributes; a 204 publishes nothing and acknowledges', async () => {
    const input = uniqueTopic('b-ce-in');
    const output = uniqueTopic('b-ce-out');
    const out = await rig.client.subscribe({
      topic: output,
      subscription: 'check',
      initialPosition: 'earliest',
    });
    await bridge(['--input', input, '--subscription', 'fn', '--output', output, '--delivery', 'structured']);
    const producer = await rig.client.createProducer({ topic: input });
    const event = toCloudEvent(
      {
        specversion: '1.0',
        id: 'order-7',
        source: 'urn:shop',
        type: 'order.created',
        datacontenttype: 'application/json',
      },
      { id: 'ce' },
    );
    await producer.send(pulsarBinding.binary(event));
    await producer.send(command({ id: 'quiet', action: 'none' }));
    await producer.close();
    expect((await collect(out, 1)).map(json)).toEqual([
      expect.objectContaining({ id: 'ce', eventId: 'order-7', eventType: 'order.created' }),
    ]);
    expect(await drainFor(out, 500)).toEqual([]);
    await expect.poll(() => rig.admin.backlog(input, 'fn'), { timeout: 10_000 }).toBe(0);
    await out.close();
  });
});
