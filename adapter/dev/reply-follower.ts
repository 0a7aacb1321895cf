import { randomUUID } from 'node:crypto';
import type { Consumer } from '../../runtime/pulsar/consumer/consumer.ts';
import type { Message } from '../../runtime/pulsar/consumer/message.ts';
import type { PulsarClient } from '../../runtime/pulsar/pulsar-client.ts';

/**
 * Watches the output topics of a local pipeline (`knmesh dev --follow`) on a throw-away
 * subscription that starts at the end of each topic and is deleted again on stop.
 */
export class ReplyFollower {
  readonly #client: PulsarClient;
  readonly #topics: readonly string[];
  readonly #onReply: (message: Message) => void;
  #consumer: Consumer | undefined;
  #loop: Promise<void> | undefined;

  constructor(client: PulsarClient, topics: readonly string[], onReply: (message: Message) => void) {
    this.#client = client;
    this.#topics = topics;
    this.#onReply = onReply;
  }

  async start(): Promise<void> {
    if (this.#topics.length === 0) return;
    const consumer = await this.#client.subscribe({
      topics: [...this.#topics],
      subscription: `knmesh-dev-follow-${randomUUID().slice(0, 8)}`,
      type: 'Exclusive',
      initialPosition: 'latest',
    });
    this.#consumer = consumer;
    this.#loop = (async () => {
      for await (const message of consumer) {
        this.#onReply(message);
        consumer.ack(message);
      }
    })();
  }

  async stop(): Promise<void> {
    const consumer = this.#consumer;
    this.#consumer = undefined;
    if (consumer === undefined) return;
    try {
      await consumer.unsubscribe();
    } catch {
      await consumer.close();
    }
    await this.#loop;
  }
}
