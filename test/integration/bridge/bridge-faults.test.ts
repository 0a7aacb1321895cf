import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PulsarAdmin } from '../../../runtime/pulsar/admin/pulsar-admin.ts';
import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import { PulsarClient } from '../../../runtime/pulsar/pulsar-client.ts';
import { ServeProcess, stopAllServeProcesses } from '../host/serve-process.ts';
import { restartTestBroker, testBroker, uniqueTopic } from '../support/test-broker.ts';
import { BridgeProcess, baseArgs, command, fixtureFunction, stopAllBridgeProcesses } from './bridge-kit.ts';

// Fault tests count every message: each input id must come out (or be dead-lettered), and the
// duplicates are counted. The figures are printed for the report.
const TOTAL = 20_000;
const FAILING_TOTAL = 20_000;
const canRestartBroker = testBroker().home !== undefined;

let client: PulsarClient;
let admin: PulsarAdmin;

beforeAll(() => {
  client = new PulsarClient({
    serviceUrl: testBroker().brokerUrl,
    backoff: { initialMs: 100, maxMs: 2000 },
    keepAliveIntervalMs: 5000,
  });
  admin = new PulsarAdmin({ adminUrl: testBroker().adminUrl });
});

afterAll(async () => {
  await stopAllBridgeProcesses();
  await stopAllServeProcesses();
  await client.close();
  await admin.close();
});

/**
 * Counts every message stored in a topic by the `id` of its JSON payload, in the background. A
 * message the broker hands the tally twice (its acknowledgement was lost in the broker restart) has
 * the same message id and is counted once: only messages published twice are duplicates.
 */
class Tally {
  readonly counts = new Map<string, number>();
  /** How each input's outputs were published (producer, sequence id, message id): shown for duplicates. */
  readonly origins = new Map<string, string[]>();
  readonly #seen = new Set<string>();
  total = 0;
  redeliveredToTally = 0;
  #stopped = false;
  readonly #done: Promise<void>;

  constructor(consumer: Consumer) {
    this.#done = (async () => {
      while (!this.#stopped) {
        const m = await consumer.tryReceive(200).catch(() => {
          this.#stopped = true; // closed with the client
          return undefined;
        });
        if (m === undefined) continue;
        consumer.ack(m);
        const stored = `${m.topic} ${m.messageId.toString()}`;
        if (this.#seen.has(stored)) {
          this.redeliveredToTally++;
          continue;
        }
        this.#seen.add(stored);
        const id = String((JSON.parse(m.payload.toString()) as { id: unknown }).id);
        this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
        const origin = `${m.producerName}#${m.sequenceId} ${m.messageId.toString()} t=${m.publishTime}`;
        this.origins.set(id, [...(this.origins.get(id) ?? []), origin]);
        this.total++;
      }
    })();
  }

  get unique(): number {
    return this.counts.size;
  }

  get duplicates(): number {
    return this.total - this.counts.size;
  }

  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return condition();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }
}

async function produceAll(topic: string, total: number): Promise<void> {
  const producer = await client.createProducer({
    topic,
    batching: { maxMessages: 200, maxDelayMs: 5 },
    sendTimeoutMs: 0,
  });
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) sends.push(producer.send(command({ id: `m${i}` }, `k${i % 64}`)));
  await Promise.all(sends);
  await producer.close();
}

async function tally(topic: string): Promise<Tally> {
  return new Tally(
    await client.subscribe({ topic, subscription: 'tally', type: 'Shared', initialPosition: 'earliest' }),
  );
}

/** When the tally stops growing: what the running bridge said last, for the CI log. */
function reportStall(bridge: BridgeProcess, out: Tally, where: string): void {
  console.log(`[fault] stalled at ${where} with ${out.unique} delivered; the bridge's last log lines:`);
  for (const record of bridge.logs.slice(-40)) console.log(`[fault]   ${JSON.stringify(record)}`);
  if (bridge.stderr !== '') console.log(`[fault]   stderr: ${bridge.stderr.slice(-2000)}`);
}

/**
 * Runs bridges (child processes) until `tally` has every input, killing the running bridge with
 * SIGKILL at three points and restarting the broker once, all while messages flow.
 */
async function chaos(
  args: string[],
  out: Tally,
  total: number,
): Promise<{ kills: number; brokerRestarts: number }> {
  let bridge = new BridgeProcess(args);
  await bridge.waitForLog((r) => r.msg === 'bridge ready');
  const plan: ('kill' | 'broker')[] = ['kill', 'kill', 'broker', 'kill'];
  const marks = [0.15, 0.35, 0.5, 0.7].map((f) => Math.floor(total * f));
  let kills = 0;
  let brokerRestarts = 0;
  for (let step = 0; step < plan.length; step++) {
    const reached = await out.until(() => out.unique >= marks[step]!, 180_000);
    if (!reached) reportStall(bridge, out, `step ${step} (${plan[step]}) waiting for ${marks[step]}`);
    expect(reached).toBe(true);
    if (plan[step] === 'kill') {
      bridge.signal('SIGKILL');
      await bridge.exited;
      kills++;
      bridge = new BridgeProcess(args);
      await bridge.waitForLog((r) => r.msg === 'bridge ready', 120_000);
    } else {
      // While the broker is away the bridge says it is not ready (Kubernetes stops routing probes'
      // traffic to it), and ready again once it reconnected.
      const { port } = (await bridge.waitForLog((r) => r.msg === 'listening')) as unknown as { port: number };
      const readyz = async (): Promise<number> =>
        (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => ({ status: 0 }))).status;
      const seen = new Set<number>();
      let polling = true;
      const poll = (async () => {
        while (polling) {
          seen.add(await readyz());
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const restarted = await restartTestBroker();
      polling = false;
      await poll;
      if (restarted) {
        brokerRestarts++;
        expect([...seen]).toContain(503);
        const until = Date.now() + 120_000;
        while ((await readyz()) !== 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
        expect(await readyz()).toBe(200);
      }
    }
  }
  const all = await out.until(() => out.unique >= total, 240_000);
  if (!all) reportStall(bridge, out, `waiting for all ${total}`);
  expect(all).toBe(true);
  bridge.signal('SIGTERM');
  expect(await bridge.exited).toBe(0);
  return { kills, brokerRestarts };
}

describe.skipIf(!canRestartBroker)('fault tests: every message counted', () => {
  it(`at-least-once: ${TOTAL} messages, the bridge SIGKILLed three times and the broker restarted: nothing lost`, async () => {
    const fn = await ServeProcess.start([fixtureFunction('bridge-function.ts')]);
    const input = uniqueTopic('fault-alo-in');
    const output = uniqueTopic('fault-alo-out');
    const dlq = uniqueTopic('fault-alo-dlq');
    await produceAll(input, TOTAL);
    const out = await tally(output);
    const dead = await tally(dlq);
    const args = [
      ...baseArgs(fn.url),
      '--input',
      input,
      '--output',
      output,
      '--dead-letter-topic',
      dlq,
      '--subscription',
      'fn',
      '--max-in-flight',
      '300',
      '--retry-backoff-ms',
      '100',
    ];
    const { kills, brokerRestarts } = await chaos(args, out, TOTAL);
    await out.until(() => false, 1000); // late duplicates still in flight
    await Promise.all([out.stop(), dead.stop()]);
    console.log(
      `[fault] at-least-once: ${TOTAL} inputs, ${out.unique} delivered, ${out.duplicates} duplicates ` +
        `(${((out.duplicates / TOTAL) * 100).toFixed(2)} %), ${dead.total} dead-lettered, ${kills} SIGKILLs, ` +
        `${brokerRestarts} broker restart`,
    );
    expect([kills, brokerRestarts]).toEqual([3, 1]);
    expect(out.unique).toBe(TOTAL);
    expect(dead.total).toBe(0);
    await expect.poll(() => admin.backlog(input, 'fn'), { timeout: 30_000 }).toBe(0);
  }, 600_000);

  it(`effectively-once: ${TOTAL} messages, the same faults: nothing lost and no duplicate output`, async () => {
    const fn = await ServeProcess.start([fixtureFunction('bridge-function.ts')]);
    const input = uniqueTopic('fault-eo-in');
    const output = uniqueTopic('fault-eo-out');
    await admin.createTopic(input, 4);
    await produceAll(input, TOTAL);
    const out = await tally(output);
    const args = [
      ...baseArgs(fn.url),
      '--input',
      input,
      '--output',
      output,
      '--subscription',
      'fn',
      '--subscription-type',
      'failover',
      '--guarantee',
      'effectively_once',
      '--delivery',
      'batch',
      '--batch-size',
      '50',
      '--max-in-flight',
      '400',
    ];
    const { kills, brokerRestarts } = await chaos(args, out, TOTAL);
    await out.until(() => false, 2000); // anything published twice would show up now
    await out.stop();
    const twice = [...out.counts].filter(([, n]) => n > 1).slice(0, 5);
    for (const [id] of twice)
      console.log(`[fault] published twice: ${id}: ${out.origins.get(id)!.join(' | ')}`);
    console.log(
      `[fault] effectively-once: ${TOTAL} inputs, ${out.unique} delivered, ${out.duplicates} duplicates, ` +
        `${kills} SIGKILLs, ${brokerRestarts} broker restart`,
    );
    expect([kills, brokerRestarts]).toEqual([3, 1]);
    expect(out.unique).toBe(TOTAL);
    expect(out.duplicates).toBe(0);
  }, 600_000);
});

describe('fault tests: a function failing at random', () => {
  it(`${FAILING_TOTAL} messages, 30 % of invocations fail: every message ends delivered or dead-lettered`, async () => {
    const fn = await ServeProcess.start([fixtureFunction('bridge-function.ts')], {
      env: { FAIL_RATE: '0.3' },
    });
    const input = uniqueTopic('fault-rand-in');
    const output = uniqueTopic('fault-rand-out');
    const dlq = uniqueTopic('fault-rand-dlq');
    await produceAll(input, FAILING_TOTAL);
    const out = await tally(output);
    const dead = await tally(dlq);
    const bridge = new BridgeProcess([
      ...baseArgs(fn.url),
      '--input',
      input,
      '--output',
      output,
      '--dead-letter-topic',
      dlq,
      '--subscription',
      'fn',
      '--subscription-type',
      'key_shared',
      '--max-retries',
      '3',
      '--retry-backoff-ms',
      '20',
      '--max-in-flight',
      '300',
    ]);
    await bridge.waitForLog((r) => r.msg === 'bridge ready');
    expect(await out.until(() => out.unique + dead.unique >= FAILING_TOTAL, 240_000)).toBe(true);
    bridge.signal('SIGTERM');
    expect(await bridge.exited).toBe(0);
    await Promise.all([out.stop(), dead.stop()]);
    const both = [...out.counts.keys()].filter((id) => dead.counts.has(id));
    console.log(
      `[fault] 30 % failures: ${FAILING_TOTAL} inputs, ${out.unique} delivered, ${dead.unique} dead-lettered ` +
        `(expected about ${(FAILING_TOTAL * 0.3 ** 4).toFixed(0)}), ${out.duplicates + dead.duplicates} duplicates`,
    );
    expect(out.unique + dead.unique).toBe(FAILING_TOTAL);
    expect(both).toEqual([]);
    expect(dead.unique).toBeGreaterThan(0); // 0.3^4 of 20,000 is about 160: the path was exercised
    await expect.poll(() => admin.backlog(input, 'fn'), { timeout: 30_000 }).toBe(0);
  }, 300_000);
});
