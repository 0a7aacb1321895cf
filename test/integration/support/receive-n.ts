import type { Consumer } from '../../../runtime/pulsar/consumer/consumer.ts';
import type { Message } from '../../../runtime/pulsar/consumer/message.ts';

/** Receives up to `n` messages, giving up after `timeoutMs` instead of hanging a test. */
export async function receiveN(consumer: Consumer, n: number, timeoutMs = 60_000): Promise<Message[]> {
  const out: Message[] = [];
  const until = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < until) {
    const message = await consumer.tryReceive(Math.max(1, until - Date.now()));
    if (message !== undefined) out.push(message);
  }
  return out;
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}
