/**
 * Worker of `bench-pulsar.ts`: consumes `messages` messages of `topic` and reports the
 * publish → receive latency of each (its own event loop, like the JVM of `pulsar-perf consume`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PulsarClient } from '../../runtime/pulsar/pulsar-client.ts';

const { serviceUrl, topic, subscription, messages } = workerData as {
  serviceUrl: string;
  topic: string;
  subscription: string;
  messages: number;
};
const client = new PulsarClient({ serviceUrl });
const consumer = await client.subscribe({ topic, subscription, receiverQueueSize: 1000, ackGroupingMs: 100 });
parentPort!.postMessage({ ready: true });
const latencies = new Float64Array(messages);
for (let i = 0; i < messages; i++) {
  const message = await consumer.tryReceive(60_000);
  if (message === undefined) throw new Error(`only ${i} of ${messages} messages arrived`);
  latencies[i] = Date.now() - message.publishTime;
  consumer.ack(message);
}
await client.close();
parentPort!.postMessage({ latencies }, [latencies.buffer]);
