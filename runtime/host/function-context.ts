import type { IncomingHttpHeaders } from 'node:http';
import type { CloudEvent, CloudEventV1 } from 'cloudevents';
import { checkEventAttributes } from '../cloudevents/check-event-attributes.ts';
import type { Logger } from '../observability/create-logger.ts';
import { HostErrors } from './host-errors.ts';
import type { MessageMetadata } from './message-metadata.ts';
import { isCloudEvent, toOutputEvent } from './output-event.ts';

/** Options of `context.publish`: the published message's key and properties. */
export interface PublishOptions {
  readonly key?: string;
  readonly properties?: Readonly<Record<string, string>>;
}

/** What a function can use at any time, in `init()` as in each invocation. */
export interface InitContext {
  readonly tenant: string;
  readonly namespace: string;
  readonly functionName: string;
  /** Function Mesh's `funcConfig` (env `FUNC_CONFIG`), frozen; `{}` when none was given. */
  readonly userConfig: Readonly<Record<string, unknown>>;
  getUserConfigValue(key: string): unknown;
  getUserConfigValueOrDefault<T>(key: string, defaultValue: T): unknown;
  /** A secret from Function Mesh's `secretsMap`: the environment variable of that name. */
  getSecret(name: string): string | undefined;
  readonly logger: Logger;
  /** Adds `value` to the user metric `name` (Prometheus summary `knmesh_function_user_metric`). */
  recordMetric(name: string, value: number): void;
}

/** The second argument of `(input, context)` and the first of `handle(context, event)`. */
export interface Context extends InitContext {
  /** The input event; undefined for a plain HTTP request. */
  readonly cloudevent: CloudEvent<unknown> | undefined;
  /** The Pulsar message behind the event (topic, id, key, properties, times, redeliveries). */
  readonly message: MessageMetadata;
  /** Logger bound to this event's id (`eventId`); also `context.log`, as in Knative Functions. */
  readonly log: Logger;
  /** Aborted when the invocation times out or the host stops waiting for it at shutdown. */
  readonly signal: AbortSignal;
  /** Adds an event to the reply; the bridge publishes it to `topic` once the function succeeded. */
  publish(topic: string, value: unknown, options?: PublishOptions): void;
  // The HTTP request, as Knative Functions' context has it.
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly query: Readonly<Record<string, string | string[]>>;
}

/** What the host shares with every context. */
export interface FunctionEnvironment {
  readonly tenant: string;
  readonly namespace: string;
  readonly functionName: string;
  readonly userConfig: Readonly<Record<string, unknown>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  /** `source` of the reply events the host builds. */
  readonly replySource: string;
  recordMetric(name: string, value: number): void;
}

/** The request one invocation serves. */
export interface InvocationRequest {
  readonly event: CloudEvent<unknown> | undefined;
  /** Decoded data: the event's data, or the body of a plain request. */
  readonly data: unknown;
  readonly message: MessageMetadata;
  /** Event id, or a generated one for plain requests; binds the logger. */
  readonly id: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/** Host-side state of one invocation, kept out of the object the function sees. */
export class InvocationState {
  readonly replies: CloudEventV1<unknown>[] = [];
  closed = false;
  controller: AbortController | undefined;

  /** Ends the invocation: later publishes are dropped and the signal aborts. */
  close(reason?: unknown): void {
    this.closed = true;
    this.controller?.abort(reason);
  }
}

/** A context for `init()`: the environment without an event. */
export class FunctionInitContext implements InitContext {
  readonly tenant: string;
  readonly namespace: string;
  readonly functionName: string;
  readonly userConfig: Readonly<Record<string, unknown>>;
  protected readonly environment: FunctionEnvironment;

  constructor(environment: FunctionEnvironment) {
    this.environment = environment;
    this.tenant = environment.tenant;
    this.namespace = environment.namespace;
    this.functionName = environment.functionName;
    this.userConfig = environment.userConfig;
  }

  get logger(): Logger {
    return this.environment.logger;
  }

  getUserConfigValue(key: string): unknown {
    return Object.hasOwn(this.userConfig, key) ? this.userConfig[key] : undefined;
  }

  getUserConfigValueOrDefault<T>(key: string, defaultValue: T): unknown {
    return Object.hasOwn(this.userConfig, key) ? this.userConfig[key] : defaultValue;
  }

  getSecret(name: string): string | undefined {
    return this.environment.env[name];
  }

  recordMetric(name: string, value: number): void {
    this.environment.recordMetric(name, value);
  }
}

/** The context of one invocation. Cheap to build: the logger, signal and query are made on first use. */
export class FunctionContext extends FunctionInitContext implements Context {
  readonly cloudevent: CloudEvent<unknown> | undefined;
  readonly message: MessageMetadata;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
  readonly #request: InvocationRequest;
  readonly #state: InvocationState;
  #logger: Logger | undefined;
  #query: Readonly<Record<string, string | string[]>> | undefined;

  constructor(environment: FunctionEnvironment, request: InvocationRequest, state: InvocationState) {
    super(environment);
    this.cloudevent = request.event;
    this.message = request.message;
    this.method = request.method;
    this.headers = request.headers;
    this.#request = request;
    this.#state = state;
  }

  override get logger(): Logger {
    return (this.#logger ??= this.environment.logger.child({ eventId: this.#request.id }));
  }

  get log(): Logger {
    return this.logger;
  }

  get signal(): AbortSignal {
    const state = this.#state;
    if (state.controller === undefined) {
      state.controller = new AbortController();
      if (state.closed) state.controller.abort();
    }
    return state.controller.signal;
  }

  get query(): Readonly<Record<string, string | string[]>> {
    if (this.#query === undefined) {
      const query: Record<string, string | string[]> = {};
      const search = new URL(this.#request.url, 'http://localhost').searchParams;
      for (const name of new Set(search.keys())) {
        const all = search.getAll(name);
        query[name] = all.length === 1 ? all[0]! : all;
      }
      this.#query = Object.freeze(query);
    }
    return this.#query;
  }

  publish(topic: string, value: unknown, options?: PublishOptions): void {
    const invalid = (why: string): never => {
      throw HostErrors.invalidPublish.create(`context.publish: ${why}`);
    };
    if (typeof topic !== 'string' || topic === '' || /\s/.test(topic)) invalid('topic must be a topic name');
    if (value === undefined) invalid('value is required');
    const key = options?.key;
    if (key !== undefined && typeof key !== 'string') invalid('options.key must be a string');
    const properties = options?.properties;
    if (properties !== undefined) {
      if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
        invalid('options.properties must be an object of strings');
      }
      for (const item of Object.values(properties)) {
        if (typeof item !== 'string') invalid('options.properties must be an object of strings');
      }
    }
    if (isCloudEvent(value)) {
      const { data: _data, data_base64: _base64, ...attributes } = value;
      const problem = checkEventAttributes(attributes);
      if (problem !== undefined)
        invalid(`the CloudEvent value breaks CloudEvents 1.0: "${problem.attribute}" ${problem.rule}`);
    }
    if (this.#state.closed) {
      this.logger.warn(
        { topic },
        'context.publish after the invocation ended (timed out or shut down) is dropped',
      );
      return;
    }
    this.#state.replies.push(
      toOutputEvent(value, this.environment.replySource, {
        topic,
        key,
        properties:
          properties === undefined || Object.keys(properties).length === 0
            ? undefined
            : JSON.stringify(properties),
      }),
    );
  }
}
