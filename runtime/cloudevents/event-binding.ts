import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import type { KnmeshError } from '../errors/knmesh-error.ts';

/** How events travel in a message (CloudEvents protocol bindings' content modes). */
export type ContentMode = 'binary' | 'structured' | 'batch';

/** What a binding read from a message: one entry per event, each a valid event or why it is not. */
export interface ReceivedEvents {
  readonly mode: ContentMode;
  /** binary and structured: exactly one entry, always an event (failures throw instead). */
  readonly entries: ReadonlyArray<CloudEvent<unknown> | KnmeshError>;
}

/**
 * A protocol binding, in the shape of the cloudevents SDK's `Binding` plus batches and validation:
 * serialisers for each content mode, and a parser that validates. Failures of a whole message throw
 * `KnmeshError`s (`CloudEventsErrors`); an invalid element of a batch is reported in its entry so
 * that its neighbours still go through. The HTTP binding is `httpBinding`; a Pulsar binding can sit
 * beside it.
 */
export interface EventBinding<M> {
  binary(event: CloudEventV1<unknown>): M;
  structured(event: CloudEventV1<unknown>): M;
  batch(events: readonly CloudEventV1<unknown>[]): M;
  /** The content mode of a message, or undefined when it is not a CloudEvent at all. */
  mode(message: M): ContentMode | undefined;
  toEvents(message: M): ReceivedEvents;
}
