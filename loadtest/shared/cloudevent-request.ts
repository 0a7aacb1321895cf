// Builds the load-test CloudEvent; imported by the k6 scripts and by the Node runner, so both
// send exactly the same requests. No imports: it must run in k6 and in Node alike.

export interface CloudEventRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * A binary-mode CloudEvent whose JSON body carries a sequence number and the send time, padded
 * to `payloadBytes`. The id is unique per run (`<runId>-<seq>`), so replies can be matched.
 */
export function cloudEventRequest(
  runId: string,
  seq: number,
  sentAtMs: number,
  payloadBytes: number,
  eventType: string,
): CloudEventRequest {
  const head = `{"seq":${seq},"sentAt":${sentAtMs},"pad":"`;
  const tail = '"}';
  const padLength = Math.max(0, payloadBytes - head.length - tail.length);
  return {
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-id': `${runId}-${seq}`,
      'ce-source': `/knmesh/loadtest/${runId}`,
      'ce-type': eventType,
      'ce-time': new Date(sentAtMs).toISOString(),
    },
    body: head + 'x'.repeat(padLength) + tail,
  };
}
