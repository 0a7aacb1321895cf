/**
 * What a caller should do after a failure. The bridge reads this to decide between retrying a
 * message, dead-lettering it, or giving up; HTTP servers map it to a status code.
 */
export type Disposition = 'retry' | 'dead-letter' | 'fail';

export interface ErrorDefinition {
  /** Stable machine code, e.g. `KNMESH_HOST_INVALID_EVENT`. Never reuse a code for another meaning. */
  readonly code: string;
  /** HTTP status when the error crosses an HTTP boundary. */
  readonly status: number;
  readonly disposition: Disposition;
  /** One line on when this happens; rendered into the docs. */
  readonly description: string;
}

/**
 * Base of every failure knmesh reports on purpose. The message is safe to show to a client:
 * it must never carry secret values or stack traces.
 */
export class KnmeshError extends Error {
  readonly code: string;
  readonly status: number;
  readonly disposition: Disposition;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    definition: ErrorDefinition,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KnmeshError';
    this.code = definition.code;
    this.status = definition.status;
    this.disposition = definition.disposition;
    this.details = options?.details;
  }

  get retryable(): boolean {
    return this.disposition === 'retry';
  }

  /** The JSON body servers send for this error. */
  toJSON(): { code: string; message: string; retryable: boolean; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      ...(this.details === undefined ? {} : { details: { ...this.details } }),
    };
  }
}

/** Declares a catalogue entry; `define(...).create(msg)` builds the error. */
export function defineError(definition: ErrorDefinition): ErrorDefinition & {
  create(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }): KnmeshError;
  is(error: unknown): error is KnmeshError;
} {
  return {
    ...definition,
    create: (message, options) => new KnmeshError(definition, message, options),
    is: (error: unknown): error is KnmeshError =>
      error instanceof KnmeshError && error.code === definition.code,
  };
}
