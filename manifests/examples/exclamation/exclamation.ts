// Pulsar Functions' classic ExclamationFunction: every input string comes back with "!" appended.
import type { Context } from 'knmesh/function';

export default function exclamation(input: unknown, context: Context): string {
  // String-schema topics arrive as text/plain; raw bytes (no content type) are read as UTF-8.
  const text =
    typeof input === 'string'
      ? input
      : Buffer.isBuffer(input)
        ? input.toString('utf8')
        : JSON.stringify(input ?? '');
  context.logger.debug({ length: text.length }, 'exclaiming');
  return `${text}!`;
}
