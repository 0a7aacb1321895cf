// Routes each order to one of two topics with context.publish: orders at or above a threshold go to
// the priority topic, the others to the standard topic, keyed by customer. Nothing goes to the
// function's own output topic. Topics and threshold come from the user config.
import { NonRetryableError, type Context } from 'knmesh/function';

export const DEFAULTS = {
  priorityTopic: 'persistent://public/default/orders-priority',
  standardTopic: 'persistent://public/default/orders-standard',
  threshold: 1000,
} as const;

export default function route(input: unknown, context: Context): undefined {
  if (
    typeof input !== 'object' ||
    input === null ||
    typeof (input as { amount?: unknown }).amount !== 'number'
  ) {
    throw new NonRetryableError('expected a JSON order with a numeric "amount"');
  }
  const order = input as { amount: number; customer?: unknown };
  const threshold = Number(context.getUserConfigValueOrDefault('threshold', DEFAULTS.threshold));
  const priority = order.amount >= threshold;
  const topic = String(
    priority
      ? context.getUserConfigValueOrDefault('priorityTopic', DEFAULTS.priorityTopic)
      : context.getUserConfigValueOrDefault('standardTopic', DEFAULTS.standardTopic),
  );
  context.publish(topic, order, {
    ...(typeof order.customer === 'string' ? { key: order.customer } : {}),
    properties: { routedBy: context.functionName, lane: priority ? 'priority' : 'standard' },
  });
  return undefined;
}
