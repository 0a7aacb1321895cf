// First stage of the pipeline example: reads the heartbeat CloudEvents that Knative's heartbeats
// sample posts to the Source's ingress ({"id": 7, "label": "..."}), and emits a compact record with
// the beat number, its label and when it was emitted. Anything else is dead-lettered.
import { NonRetryableError, type Context } from 'knmesh/function';

export interface Beat {
  readonly beat: number;
  readonly label: string;
  readonly emittedAt: string | undefined;
}

export default function parse(input: unknown, context: Context): Beat {
  if (typeof input !== 'object' || input === null || typeof (input as { id?: unknown }).id !== 'number') {
    throw new NonRetryableError('expected a heartbeat: a JSON object with a numeric "id"');
  }
  const heartbeat = input as { id: number; label?: unknown };
  return {
    beat: heartbeat.id,
    label: typeof heartbeat.label === 'string' ? heartbeat.label : '',
    emittedAt: context.cloudevent?.time,
  };
}
