/**
 * What a function module may import from knmesh: `import { NonRetryableError, type Context } from
 * 'knmesh/function'`. Types are erased at run time; the two error classes are the only values.
 * See docs/function-host.md.
 */
import type { CloudEvent } from 'cloudevents';
import type { Context } from './function-context.ts';

export type { Context, InitContext, PublishOptions } from './function-context.ts';
export type { MessageMetadata } from './message-metadata.ts';
export { NonRetryableError } from './non-retryable-error.ts';
export { RetryableError } from './retryable-error.ts';
export type { Logger } from '../observability/create-logger.ts';

/** Pulsar Functions style: `export default async function (input, context) { ... }`. */
export type PulsarFunction<I = unknown, O = unknown> = (input: I, context: Context) => O | Promise<O>;

/**
 * Knative Functions style: `export async function handle(context, event) { ... }`. `event` is the
 * CloudEvent; a function that also takes plain HTTP requests (the decoded body) widens `E`.
 */
export type KnativeHandler<O = unknown, E = CloudEvent<unknown>> = (
  context: Context,
  event: E,
) => O | Promise<O>;
