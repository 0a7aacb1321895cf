/**
 * A mistake in how a command was invoked (unknown flag, missing value, bad combination).
 * The CLI prints the message and exits with status 2; no stack trace.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
