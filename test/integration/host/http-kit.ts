import type { Headers as CeHeaders } from 'cloudevents';

/** A response read whole: status, lower-case headers, body bytes. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  readonly text: string;
}

export const CE_HEADERS = {
  'ce-specversion': '1.0',
  'ce-id': 'evt-1',
  'ce-source': '/tests/host',
  'ce-type': 'dev.knmesh.test',
} as const;

export async function post(
  url: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
  return read(response);
}

export async function get(url: string): Promise<Answer> {
  return read(await fetch(url));
}

async function read(response: Response): Promise<Answer> {
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    body,
    text: body.toString('utf8'),
  };
}

/** Headers as the cloudevents SDK's HTTP.toEvent wants them. */
export function sdkHeaders(answer: Answer): CeHeaders {
  return answer.headers;
}

export function json(answer: Answer): Record<string, unknown> {
  return JSON.parse(answer.text) as Record<string, unknown>;
}
