/**
 * `npm run bench:pulsar`: throughput and latency of the knmesh Pulsar client next to the Java
 * client's `bin/pulsar-perf` on the same broker, same settings, in one run: 1 KiB messages,
 * batching on (1 ms, 1000 messages, 128 KiB), 1000 messages outstanding, one topic, no compression.
 *
 * Starts its own standalone broker (or uses `knmesh pulsar start`'s with KNMESH_BENCH_PULSAR=reuse).
 * Then end-to-end latency: one producer at a fixed rate, a `pulsar-perf consume` and a knmesh consumer
 * (in a worker thread) on the same topic at the same time, each measuring publish → receive.
 * Env: BENCH_MESSAGES (default 200000), BENCH_ROUNDS (default 2; the best round of each side counts),
 * BENCH_E2E_RATE (default 10000 msg/s for 10 s).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { PulsarAdmin } from '../../runtime/pulsar/admin/pulsar-admin.ts';
import { PulsarClient } from '../../runtime/pulsar/pulsar-client.ts';
import { benchBroker } from './bench-broker.ts';

const run = promisify(execFile);
const MESSAGES = Number(process.env['BENCH_MESSAGES'] ?? 200_000);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 2);
const SIZE = 1024;
const OUTSTANDING = 1000;
const root = new URL('../..', import.meta.url).pathname;

interface Result {
  readonly msgPerSec: number;
  readonly p50Ms: number | undefined;
  readonly p99Ms: number | undefined;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
}

async function knmeshProduce(client: PulsarClient, topic: string): Promise<Result> {
  const producer = await client.createProducer({
    topic,
    batching: { enabled: true, maxMessages: 1000, maxBytes: 128 * 1024, maxDelayMs: 1 },
    maxPendingMessages: OUTSTANDING,
    sendTimeoutMs: 0,
  });
  const payload = Buffer.alloc(SIZE, 'k');
  const latencies = new Float64Array(MESSAGES);
  let inflight = 0;
  let wake: (() => void) | undefined;
  const start = performance.now();
  for (let i = 0; i < MESSAGES; i++) {
    if (inflight >= OUTSTANDING) await new Promise<void>((resolve) => (wake = resolve));
    inflight++;
    const t0 = performance.now();
    producer.send({ payload }).then(
      () => {
        latencies[i] = performance.now() - t0;
        inflight--;
        const w = wake;
        wake = undefined;
        w?.();
      },
      (error: unknown) => {
        throw error;
      },
    );
  }
  await producer.flush();
  const seconds = (performance.now() - start) / 1000;
  await producer.close();
  latencies.sort();
  return {
    msgPerSec: MESSAGES / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

async function knmeshConsume(client: PulsarClient, topic: string, subscription: string): Promise<Result> {
  const start = performance.now();
  const consumer = await client.subscribe({
    topic,
    subscription,
    initialPosition: 'earliest',
    receiverQueueSize: 1000,
    ackGroupingMs: 100,
  });
  for (let i = 0; i < MESSAGES; i++) {
    const message = await consumer.receive();
    consumer.ack(message);
  }
  const seconds = (performance.now() - start) / 1000;
  await consumer.close();
  return { msgPerSec: MESSAGES / seconds, p50Ms: undefined, p99Ms: undefined };
}

async function perf(distribution: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run(join(distribution, 'bin', 'pulsar-perf'), args, {
    timeout: 600_000,
    maxBuffer: 256 * 1024 * 1024,
    cwd: join(root, '.knmesh'),
    env: { ...process.env, PULSAR_MEM: '-Xms256m -Xmx1g' },
  });
  return `${stdout}${stderr}`;
}

/** Milliseconds of the first log line of `output` that contains `marker` (log4j `2026-11-25T04:24:52,903+0000`). */
function logTime(output: string, marker: string): number {
  const line = output.split('\n').find((l) => l.includes(marker));
  const stamp = line === undefined ? null : /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d),(\d{3})([+-]\d{4})/.exec(line);
  if (stamp === null) throw new Error(`pulsar-perf printed no "${marker}" line:\n${output.slice(-2000)}`);
  return Date.parse(`${stamp[1]}.${stamp[2]}${stamp[3]!.slice(0, 3)}:${stamp[3]!.slice(3)}`);
}

/**
 * pulsar-perf's "Aggregated throughput" of a producer divides by its 10 s reporting period, not by
 * the time the run took, so throughput is taken from its own log: from the moment its producers
 * or consumers exist to the moment the last message is acknowledged (producer closed) or received.
 */
function parsePerf(output: string, side: 'produce' | 'consume', messages: number): Result {
  const latency =
    /Aggregated latency stats --- Latency: mean:\s*[\d.]+ ms - med:\s*([\d.]+) - 95pct:\s*[\d.]+ - 99pct:\s*([\d.]+)/.exec(
      output,
    );
  const from =
    side === 'produce' ? logTime(output, 'Created 1 producers') : logTime(output, 'Start receiving from');
  const to = side === 'produce' ? logTime(output, 'Closed Producer') : logTime(output, '--- DONE ---');
  return {
    msgPerSec: messages / Math.max(0.001, (to - from) / 1000),
    p50Ms: latency ? Number(latency[1]) : undefined,
    p99Ms: latency ? Number(latency[2]) : undefined,
  };
}

async function javaProduce(distribution: string, serviceUrl: string, topic: string): Promise<Result> {
  const output = await perf(distribution, [
    'produce',
    '-u',
    serviceUrl,
    '-m',
    String(MESSAGES),
    '-r',
    '100000000',
    '-s',
    String(SIZE),
    '-b',
    '1',
    '-bm',
    '1000',
    '-bb',
    String(128 * 1024),
    '-o',
    String(OUTSTANDING),
    '-p',
    String(OUTSTANDING),
    topic,
  ]);
  return parsePerf(output, 'produce', MESSAGES);
}

async function javaConsume(
  distribution: string,
  serviceUrl: string,
  topic: string,
  subscription: string,
): Promise<Result> {
  const output = await perf(distribution, [
    'consume',
    '-u',
    serviceUrl,
    '-m',
    String(MESSAGES),
    '-sp',
    'Earliest',
    '-ss',
    subscription,
    '-q',
    '1000',
    '--acks-delay-millis',
    '100',
    topic,
  ]);
  return parsePerf(output, 'consume', MESSAGES);
}

const E2E_RATE = Number(process.env['BENCH_E2E_RATE'] ?? 10_000);
const E2E_MESSAGES = E2E_RATE * 10;

/** Publish → receive latency of both consumers, fed by one knmesh producer at E2E_RATE. */
async function endToEnd(
  client: PulsarClient,
  serviceUrl: string,
  adminUrl: string,
  distribution: string,
  topic: string,
): Promise<{ java: Result; knmesh: Result }> {
  const admin = new PulsarAdmin({ adminUrl });
  await admin.createTopic(topic);
  const java = perf(distribution, [
    'consume',
    '-u',
    serviceUrl,
    '-m',
    String(E2E_MESSAGES),
    '-sp',
    'Latest',
    '-ss',
    'java-e2e',
    '-q',
    '1000',
    '--acks-delay-millis',
    '100',
    topic,
  ]);
  const worker = new Worker(new URL('./e2e-latency-consumer.ts', import.meta.url), {
    workerData: { serviceUrl, topic, subscription: 'knmesh-e2e', messages: E2E_MESSAGES },
  });
  const knmeshLatencies = new Promise<Float64Array>((resolve, reject) => {
    worker.on('message', (m: { latencies?: Float64Array }) => m.latencies && resolve(m.latencies));
    worker.once('error', reject);
  });
  // Both subscriptions must exist before the first message (they start at latest).
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    const subs = await admin.subscriptions(topic).catch(() => [] as string[]);
    if (subs.includes('java-e2e') && subs.includes('knmesh-e2e')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const producer = await client.createProducer({
    topic,
    batching: { maxDelayMs: 1, maxMessages: 1000 },
    sendTimeoutMs: 0,
  });
  const payload = Buffer.alloc(SIZE, 'e');
  const perTick = E2E_RATE / 100;
  const start = performance.now();
  const sends: Promise<unknown>[] = [];
  for (let tick = 0; tick < E2E_MESSAGES / perTick; tick++) {
    const due = start + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (let i = 0; i < perTick; i++) sends.push(producer.send({ payload }));
  }
  await Promise.all(sends);
  await producer.close();
  const latencies = (await knmeshLatencies).sort();
  await worker.terminate();
  const javaResult = parsePerf(await java, 'consume', E2E_MESSAGES);
  await admin.close();
  return {
    java: javaResult,
    knmesh: { msgPerSec: E2E_RATE, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) },
  };
}

function best(results: Result[]): Result {
  return results.reduce((a, b) => (b.msgPerSec > a.msgPerSec ? b : a));
}

const { instance, stop } = await benchBroker();
const client = new PulsarClient({ serviceUrl: instance.brokerUrl });
const rows: Record<string, Result[]> = {
  javaProduce: [],
  knmeshProduce: [],
  javaConsume: [],
  knmeshConsume: [],
};
let e2e: { java: Result; knmesh: Result } | undefined;
try {
  const stamp = Date.now().toString(36);
  for (let round = 0; round < ROUNDS; round++) {
    const javaTopic = `persistent://public/default/bench-java-${stamp}-${round}`;
    const knmeshTopic = `persistent://public/default/bench-knmesh-${stamp}-${round}`;
    // Alternate who goes first so neither side always meets a warmer broker.
    const sides = [
      async () =>
        rows['javaProduce']!.push(await javaProduce(instance.distribution, instance.brokerUrl, javaTopic)),
      async () => rows['knmeshProduce']!.push(await knmeshProduce(client, knmeshTopic)),
    ];
    for (const side of round % 2 === 0 ? sides : sides.reverse()) await side();
    // Both consumers read the same backlog (written by the Java producer), each its own subscription.
    const readers = [
      async () => rows['knmeshConsume']!.push(await knmeshConsume(client, javaTopic, 'knmesh')),
      async () =>
        rows['javaConsume']!.push(
          await javaConsume(instance.distribution, instance.brokerUrl, javaTopic, 'java'),
        ),
    ];
    for (const reader of round % 2 === 0 ? readers : readers.reverse()) await reader();
    console.error(
      `round ${round + 1}/${ROUNDS}: ${JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, Math.round(v.at(-1)!.msgPerSec)])))}`,
    );
  }
  e2e = await endToEnd(
    client,
    instance.brokerUrl,
    instance.adminUrl,
    instance.distribution,
    `persistent://public/default/bench-e2e-${stamp}`,
  );
} finally {
  await client.close();
  await stop();
}

const fmt = (n: number | undefined, digits = 1): string => (n === undefined ? 'n/a' : n.toFixed(digits));
const produce = { java: best(rows['javaProduce']!), knmesh: best(rows['knmeshProduce']!) };
const consume = { java: best(rows['javaConsume']!), knmesh: best(rows['knmeshConsume']!) };
const table = [
  `| | Java \`pulsar-perf\` | knmesh client | ratio (knmesh / Java) |`,
  `|---|---|---|---|`,
  `| produce msg/s | ${fmt(produce.java.msgPerSec, 0)} | ${fmt(produce.knmesh.msgPerSec, 0)} | ${(produce.knmesh.msgPerSec / produce.java.msgPerSec).toFixed(2)} |`,
  `| produce p50 latency (ms) | ${fmt(produce.java.p50Ms)} | ${fmt(produce.knmesh.p50Ms)} | |`,
  `| produce p99 latency (ms) | ${fmt(produce.java.p99Ms)} | ${fmt(produce.knmesh.p99Ms)} | |`,
  `| consume msg/s (backlog drain) | ${fmt(consume.java.msgPerSec, 0)} | ${fmt(consume.knmesh.msgPerSec, 0)} | ${(consume.knmesh.msgPerSec / consume.java.msgPerSec).toFixed(2)} |`,
  `| end-to-end p50 latency at ${E2E_RATE} msg/s (ms) | ${fmt(e2e?.java.p50Ms)} | ${fmt(e2e?.knmesh.p50Ms)} | |`,
  `| end-to-end p99 latency at ${E2E_RATE} msg/s (ms) | ${fmt(e2e?.java.p99Ms)} | ${fmt(e2e?.knmesh.p99Ms)} | |`,
].join('\n');
console.log(
  `Pulsar ${instance.version} standalone, ${MESSAGES} messages of ${SIZE} B per run, best of ${ROUNDS} rounds\n\n${table}`,
);
await mkdir(join(root, '.knmesh'), { recursive: true });
await writeFile(
  join(root, '.knmesh', 'bench-pulsar.json'),
  `${JSON.stringify({ messages: MESSAGES, rounds: rows, endToEnd: e2e }, null, 2)}\n`,
);
