import { randomUUID } from 'node:crypto';
import type { Consumer } from '../../runtime/pulsar/consumer/consumer.ts';
import { PulsarClient } from '../../runtime/pulsar/pulsar-client.ts';

/**
 * Reads the pipeline's output topic and reports, for each reply, the sequence number the load
 * generator put into the event (the identity function sends the data back unchanged).
 */
export class ReplyCollector {
  readonly #client: PulsarClient;
  readonly #topic: string;
  #consumer: Consumer | undefined;
  #loop: Promise<void> | undefined;
  unreadable = 0;

  constructor(pulsarUrl: string, topic: string) {
    this.#client = new PulsarClient({ serviceUrl: pulsarUrl });
    this.#topic = topic;
  }

  async start(onReply: (seq: number, receivedAt: number) => void): Promise<void> {
    const consumer = await this.#client.subscribe({
      topic: this.#topic,
      subscription: `knmesh-loadtest-${randomUUID().slice(0, 8)}`,
      type: 'Exclusive',
      initialPosition: 'latest',
      receiverQueueSize: 2000,
    });
    this.#consumer = consumer;
    this.#loop = (async () => {
      for await (const message of consumer) {
        const receivedAt = Date.now();
        let seq: unknown;
        try {
          seq = (JSON.parse(message.payload.toString('utf8')) as { seq?: unknown }).seq;
        } catch {
          seq = undefined;
        }
        if (typeof seq === 'number') onReply(seq, receivedAt);
        else this.unreadable++;
        consumer.ack(message);
      }
    })();
  }

  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer !== undefined) {
      await consumer.unsubscribe().catch(() => consumer.close());
      await this.#loop;
    }
    await this.#client.close();
  }
}
