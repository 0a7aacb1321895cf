// Second stage of the pipeline example: lets one beat in `every` (user config, default 10) through
// to the sink and drops the others. Returning nothing publishes nothing; the input is still
// acknowledged, as in Pulsar Functions.
import { NonRetryableError, type Context } from 'knmesh/function';
import type { Beat } from './parse.ts';

export default function filter(input: unknown, context: Context): Beat | undefined {
  if (typeof input !== 'object' || input === null || typeof (input as { beat?: unknown }).beat !== 'number') {
    throw new NonRetryableError('expected a parsed beat: a JSON object with a numeric "beat"');
  }
  const every = Number(context.getUserConfigValueOrDefault('every', 10));
  const beat = input as Beat;
  return Number.isInteger(every) && every > 0 && beat.beat % every === 0 ? beat : undefined;
}
