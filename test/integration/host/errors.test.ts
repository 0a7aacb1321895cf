import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDeliveryStatus } from '../../../runtime/cloudevents/classify-delivery-status.ts';
import { CE_HEADERS, get, json, post, type Answer } from './http-kit.ts';
import { fixture, ServeProcess, stopAllServeProcesses } from './serve-process.ts';

const LIMIT = 2048;
let serve: ServeProcess;

beforeAll(async () => {
  serve = await ServeProcess.start([
    fixture('behaviour.ts'),
    '--timeout-ms',
    '300',
    '--body-limit-bytes',
    String(LIMIT),
  ]);
});

afterAll(stopAllServeProcesses);

const asJson = { ...CE_HEADERS, 'content-type': 'application/json' };
const action = (name: string): string => JSON.stringify({ action: name });

/** Every error answer: a JSON body with code, message and retryable, nothing internal, classified as intended. */
function expectError(
  answer: Answer,
  status: number,
  code: string,
  outcome: 'retry' | 'dead-letter',
): Record<string, unknown> {
  expect([answer.status, answer.headers['content-type']]).toEqual([
    status,
    'application/json; charset=utf-8',
  ]);
  const body = json(answer);
  expect(body).toMatchObject({ code, retryable: outcome === 'retry' });
  expect(typeof body['message']).toBe('string');
  expect(answer.text).not.toMatch(/hunter2|\n\s+at |\.ts:\d+/);
  expect(classifyDeliveryStatus(answer.status)).toBe(outcome);
  return body;
}

describe('knmesh serve: error catalogue over HTTP', () => {
  it('400 for an invalid event — never 500, which would loop behind a retrying bridge', async () => {
    const missingSource = await post(
      serve.url,
      { 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't' },
      'x',
    );
    expect(expectError(missingSource, 400, 'KNMESH_CE_INVALID_EVENT', 'dead-letter')['details']).toEqual({
      attribute: 'source',
      rule: 'is required',
    });
    expectError(
      await post(serve.url, { ...CE_HEADERS, 'ce-bad-name': 'x' }),
      400,
      'KNMESH_CE_INVALID_EVENT',
      'dead-letter',
    );
    expectError(
      await post(serve.url, { ...CE_HEADERS, 'ce-time': 'noon' }),
      400,
      'KNMESH_CE_INVALID_EVENT',
      'dead-letter',
    );
    expectError(
      await post(serve.url, { ...CE_HEADERS, 'ce-specversion': '0.3' }),
      400,
      'KNMESH_CE_INVALID_EVENT',
      'dead-letter',
    );
    expectError(
      await post(serve.url, { ...CE_HEADERS, 'ce-pulsarredeliverycount': 'many' }),
      400,
      'KNMESH_CE_INVALID_EVENT',
      'dead-letter',
    );
    expectError(
      await post(
        serve.url,
        { 'content-type': 'application/cloudevents+json' },
        '{"specversion":"1.0","id":"1","type":"t"}',
      ),
      400,
      'KNMESH_CE_INVALID_EVENT',
      'dead-letter',
    );
  });

  it('400 for a body that does not parse as its content type says', async () => {
    expectError(await post(serve.url, asJson, '{"action":'), 400, 'KNMESH_CE_MALFORMED_BODY', 'dead-letter');
    expectError(
      await post(serve.url, { 'content-type': 'application/json' }, 'nope'),
      400,
      'KNMESH_CE_MALFORMED_BODY',
      'dead-letter',
    );
    expectError(
      await post(serve.url, { 'content-type': 'application/cloudevents-batch+json' }, '{"not":"an array"}'),
      400,
      'KNMESH_CE_MALFORMED_BODY',
      'dead-letter',
    );
  });

  it('415 for event formats other than JSON, undecodable charsets and encoded bodies', async () => {
    expectError(
      await post(serve.url, { 'content-type': 'application/cloudevents+xml' }, '<e/>'),
      415,
      'KNMESH_CE_UNSUPPORTED_MEDIA_TYPE',
      'dead-letter',
    );
    expectError(
      await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain; charset=klingon' }, 'x'),
      415,
      'KNMESH_CE_UNSUPPORTED_MEDIA_TYPE',
      'dead-letter',
    );
    expectError(
      await post(serve.url, { ...asJson, 'content-encoding': 'gzip' }, 'x'),
      415,
      'KNMESH_CE_UNSUPPORTED_ENCODING',
      'dead-letter',
    );
  });

  it('413 for a body over --body-limit-bytes, announced or streamed', async () => {
    const big = Buffer.alloc(LIMIT + 1, 'a');
    const announced = await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain' }, big);
    expectError(announced, 413, 'KNMESH_CE_BODY_TOO_LARGE', 'dead-letter');
    // The body was not read, so the connection is not kept for another request.
    expect(announced.headers['connection']).toBe('close');
    // Chunked, so the limit trips while reading rather than on Content-Length.
    const streamed = await new Promise<Answer>((resolve, reject) => {
      const req = request(
        serve.url,
        { method: 'POST', headers: { ...CE_HEADERS, 'content-type': 'text/plain' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            resolve({
              status: res.statusCode!,
              headers: res.headers as Record<string, string>,
              body,
              text: body.toString(),
            });
          });
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(LIMIT, 'b'));
      req.end(Buffer.alloc(10, 'c'));
    });
    expectError(streamed, 413, 'KNMESH_CE_BODY_TOO_LARGE', 'dead-letter');
    // The limit is exactly the limit.
    expect(
      (await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain' }, Buffer.alloc(LIMIT - 1, 'a')))
        .status,
    ).toBe(200);
  });

  it('500, retried, when the function throws — its message stays in the log', async () => {
    const body = expectError(
      await post(serve.url, asJson, action('throw')),
      500,
      'KNMESH_FUNCTION_FAILED',
      'retry',
    );
    expect(body['message']).not.toContain('password');
  });

  it('503 with Retry-After for RetryableError, 422 for NonRetryableError, with the messages the function chose', async () => {
    const retry = await post(serve.url, asJson, action('retry'));
    expect(expectError(retry, 503, 'KNMESH_FUNCTION_RETRY', 'retry')['message']).toBe('downstream busy');
    expect(retry.headers['retry-after']).toBe('2');
    const reject = await post(serve.url, asJson, action('reject'));
    expect(expectError(reject, 422, 'KNMESH_FUNCTION_REJECTED', 'dead-letter')['message']).toBe(
      'order has no customer',
    );
  });

  it('504, retried, when the function outlasts --timeout-ms', async () => {
    expectError(await post(serve.url, asJson, action('hang')), 504, 'KNMESH_FUNCTION_TIMEOUT', 'retry');
  });

  it('500 for a result that cannot be serialised and for a malformed publish', async () => {
    expectError(
      await post(serve.url, asJson, action('bigint')),
      500,
      'KNMESH_FUNCTION_INVALID_RESULT',
      'retry',
    );
    expectError(
      await post(serve.url, asJson, action('bad-publish')),
      500,
      'KNMESH_FUNCTION_INVALID_PUBLISH',
      'retry',
    );
  });

  it('405 for other methods, 400 for a path that does not decode', async () => {
    const answer = await get(serve.url);
    expectError(answer, 405, 'KNMESH_HOST_METHOD_NOT_ALLOWED', 'dead-letter');
    expect(answer.headers['allow']).toBe('POST');
    expectError(
      await post(`${serve.url}/%E0%A4%A`, asJson, action('echo')),
      400,
      'KNMESH_HOST_BAD_REQUEST',
      'dead-letter',
    );
  });

  it('keeps serving after all of that', async () => {
    expect((await get(`${serve.url}/health/readiness`)).status).toBe(200);
    expect((await post(serve.url, { ...CE_HEADERS, 'content-type': 'text/plain' }, 'still')).text).toBe(
      'still!',
    );
  });
});
