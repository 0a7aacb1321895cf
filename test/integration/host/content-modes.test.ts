import type { CloudEvent } from 'cloudevents';
import { HTTP } from 'cloudevents';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatchResults, MEDIA_TYPE_BATCH_RESULTS } from '../../../runtime/cloudevents/batch-results.ts';
import { CE_HEADERS, json, post, sdkHeaders, type Answer } from './http-kit.ts';
import { fixture, ServeProcess, stopAllServeProcesses } from './serve-process.ts';

let serve: ServeProcess;

beforeAll(async () => {
  serve = await ServeProcess.start(
    [fixture('behaviour.ts'), '--tenant', 'acme', '--namespace', 'orders', '--name', 'enrich'],
    {
      env: { FUNC_CONFIG: '{"greeting":"hello","limit":3}', API_TOKEN: 'tok-123' },
    },
  );
});

afterAll(stopAllServeProcesses);

/** The single reply event of an answer, parsed and validated with the cloudevents SDK. */
function replyEvent(answer: Answer): CloudEvent<unknown> {
  expect(answer.status).toBe(200);
  // The SDK parses JSON only from a string body; bytes stay bytes.
  const binary = answer.headers['content-type'] === 'application/octet-stream';
  const event = HTTP.toEvent({
    headers: sdkHeaders(answer),
    body: binary ? answer.body : answer.text,
  }) as CloudEvent<unknown>;
  expect(Array.isArray(event)).toBe(false);
  expect(event.validate()).toBe(true);
  expect(event.specversion).toBe('1.0');
  expect(event.source).toBe('/knmesh/functions/acme/orders/enrich');
  expect(event.type).toBe('dev.knmesh.function.output');
  return event;
}

describe('knmesh serve: content modes', () => {
  it('binary mode: text in, a binary-mode reply event out, keyed like the input', async () => {
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'ce-partitionkey': 'order-7', 'content-type': 'text/plain' },
      'hello',
    );
    const event = replyEvent(answer);
    expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(event.data).toBe('hello!');
    expect(event['partitionkey']).toBe('order-7');
    expect(event.id).not.toBe('evt-1');
  });

  it('binary mode: JSON with a content type the SDK would not match exactly', async () => {
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json;charset=utf-8' },
      JSON.stringify({ action: 'echo', value: { total: 12.5, items: ['a'] } }),
    );
    expect(answer.headers['content-type']).toBe('application/json');
    expect(replyEvent(answer).data).toEqual({ total: 12.5, items: ['a'] });
  });

  it('binary mode: bytes in, bytes out', async () => {
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/octet-stream' },
      Buffer.from([1, 2, 3, 255]),
    );
    expect(answer.headers['content-type']).toBe('application/octet-stream');
    expect(answer.body).toEqual(Buffer.from([255, 3, 2, 1]));
    replyEvent(answer);
  });

  it('structured mode, with charset and case variations', async () => {
    const event = {
      specversion: '1.0',
      id: 's-1',
      source: '/tests',
      type: 't',
      datacontenttype: 'text/plain',
      data: 'structured',
    };
    const answer = await post(
      serve.url,
      { 'content-type': 'Application/CloudEvents+JSON;charset=UTF-8' },
      JSON.stringify(event),
    );
    expect(replyEvent(answer).data).toBe('structured!');
  });

  it('structured mode: data_base64 reaches the function as a Buffer of the right bytes', async () => {
    const event = {
      specversion: '1.0',
      id: 's-2',
      source: '/tests',
      type: 't',
      data_base64: Buffer.from([5, 6, 7]).toString('base64'),
    };
    const answer = await post(
      serve.url,
      { 'content-type': 'application/cloudevents+json' },
      JSON.stringify(event),
    );
    expect(answer.body).toEqual(Buffer.from([7, 6, 5]));
  });

  it('plain HTTP requests that are not CloudEvents still reach the function', async () => {
    const fromJson = await post(
      serve.url,
      { 'content-type': 'application/json' },
      JSON.stringify({ action: 'echo', value: 5 }),
    );
    replyEvent(fromJson);
    expect(JSON.parse(fromJson.text)).toBe(5); // the SDK's parser would hand back the string '5'
    const fromText = await post(serve.url, { 'content-type': 'text/plain; charset=utf-8' }, 'plain');
    expect(replyEvent(fromText).data).toBe('plain!');
    const empty = await post(serve.url, {});
    expect(replyEvent(empty).data).toEqual({ received: 'nothing' });
  });

  it('answers 204 with no body when the function returns nothing', async () => {
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"action":"none"}',
    );
    expect(answer.status).toBe(204);
    expect(answer.body.length).toBe(0);
    expect(answer.headers['ce-id']).toBeUndefined();
  });

  it('answers several events (publish + return value) as a batch the SDK reads', async () => {
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"action":"publish","value":"v"}',
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
    const events = HTTP.toEvent({ headers: sdkHeaders(answer), body: answer.text }) as CloudEvent<unknown>[];
    expect(events.map((e) => e.validate())).toEqual([true, true, true]);
    expect(events.map((e) => [e['knmeshtopic'], e['partitionkey'], e['knmeshproperties'], e.data])).toEqual([
      ['persistent://public/default/audit', 'k-audit', '{"origin":"test"}', { audited: 'v' }],
      ['alerts', undefined, undefined, 'alert text'],
      [undefined, undefined, undefined, 'v'],
    ]);
  });

  it('answers a single published event in binary mode with its target topic', async () => {
    const answer = await post(
      serve.url,
      { ...CE_HEADERS, 'content-type': 'application/json' },
      '{"action":"publish-only"}',
    );
    expect(answer.headers['ce-knmeshtopic']).toBe('alerts');
    expect(replyEvent(answer).data).toBe('only this');
  });

  it('batched mode: one result per event, in order, each acknowledged, retried or dead-lettered on its own', async () => {
    const batch = [
      { specversion: '1.0', id: 'b1', source: '/tests', type: 't', data: { action: 'echo', value: 1 } },
      { specversion: '1.0', id: 'b2', source: '/tests', type: 't', data: { action: 'none' } },
      { specversion: '1.0', id: 'b3', type: 't', data: { action: 'echo' } },
      { specversion: '1.0', id: 'b4', source: '/tests', type: 't', data: { action: 'reject' } },
      { specversion: '1.0', id: 'b5', source: '/tests', type: 't', data: { action: 'throw' } },
      { specversion: '1.0', id: 'b6', source: '/tests', type: 't', data: { action: 'publish', value: 2 } },
    ];
    const answer = await post(
      serve.url,
      { 'content-type': 'application/cloudevents-batch+json' },
      JSON.stringify(batch),
    );
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe(MEDIA_TYPE_BATCH_RESULTS);
    const results = decodeBatchResults(
      answer.text,
      batch.map((e) => e.id),
    );
    expect(results.map((r) => [r.id, r.status, r.error?.code, r.events.length])).toEqual([
      ['b1', 200, undefined, 1],
      ['b2', 204, undefined, 0],
      [undefined, 400, 'KNMESH_CE_INVALID_EVENT', 0],
      ['b4', 422, 'KNMESH_FUNCTION_REJECTED', 0],
      ['b5', 500, 'KNMESH_FUNCTION_FAILED', 0],
      ['b6', 200, undefined, 3],
    ]);
    expect(results[0]!.events[0]!.data).toBe(1);
    expect(results[5]!.events.map((e) => e['knmeshtopic'] ?? 'output')).toEqual([
      'persistent://public/default/audit',
      'alerts',
      'output',
    ]);
    expect(answer.text).not.toContain('hunter2');
  });

  it('ordered batches (knmesh-batch-ordered): nothing runs after an event that failed retryably', async () => {
    const event = (id: string, data: unknown) => ({
      specversion: '1.0',
      id,
      source: '/tests',
      type: 't',
      data,
    });
    const batch = [
      event('o1', { action: 'echo', value: 1 }),
      event('o2', { action: 'reject' }), // dead-lettered: finished, so the next one may run
      event('o3', { action: 'retry' }), // retried: what follows must wait behind it
      event('o4', { action: 'echo', value: 4 }),
      event('o5', { action: 'publish', value: 5 }),
    ];
    const send = async (headers: Record<string, string>) => {
      const answer = await post(
        serve.url,
        { 'content-type': 'application/cloudevents-batch+json', ...headers },
        JSON.stringify(batch),
      );
      expect(answer.status).toBe(200);
      return decodeBatchResults(
        answer.text,
        batch.map((e) => e.id),
      ).map((r) => [r.id, r.status, r.error?.code]);
    };
    expect(await send({ 'knmesh-batch-ordered': 'true' })).toEqual([
      ['o1', 200, undefined],
      ['o2', 422, 'KNMESH_FUNCTION_REJECTED'],
      ['o3', 503, 'KNMESH_FUNCTION_RETRY'],
      ['o4', 503, 'KNMESH_HOST_SKIPPED'],
      ['o5', 503, 'KNMESH_HOST_SKIPPED'],
    ]);
    // A result that cannot be encoded is a retryable failure too, found after the function ran.
    const late = [event('p1', { action: 'bigint' }), event('p2', { action: 'echo', value: 2 })];
    const lateAnswer = await post(
      serve.url,
      { 'content-type': 'application/cloudevents-batch+json', 'knmesh-batch-ordered': 'true' },
      JSON.stringify(late),
    );
    expect(
      decodeBatchResults(
        lateAnswer.text,
        late.map((e) => e.id),
      ).map((r) => [r.id, r.status, r.error?.code]),
    ).toEqual([
      ['p1', 500, 'KNMESH_FUNCTION_INVALID_RESULT'],
      ['p2', 503, 'KNMESH_HOST_SKIPPED'],
    ]);
    // Unordered: every event runs on its own.
    expect(await send({})).toEqual([
      ['o1', 200, undefined],
      ['o2', 422, 'KNMESH_FUNCTION_REJECTED'],
      ['o3', 503, 'KNMESH_FUNCTION_RETRY'],
      ['o4', 200, undefined],
      ['o5', 200, undefined],
    ]);
  });

  it('gives the function the Pulsar context: identity, user config, secret, message metadata, request', async () => {
    const answer = await post(
      `${serve.url}/some/path?x=1`,
      {
        ...CE_HEADERS,
        'ce-time': '2026-03-04T05:06:07Z',
        'ce-pulsartopic': 'persistent://public/default/in-partition-1',
        'ce-pulsarmessageid': '42:7:1:-1',
        'ce-partitionkey': 'key%20one',
        'ce-pulsarproperties': '{%22region%22:%22eu%22}',
        'ce-pulsarpublishtime': '2026-03-04T05:06:08.123Z',
        'ce-pulsareventtime': '2026-03-04T05:06:00Z',
        'ce-pulsarredeliverycount': '2',
        'content-type': 'application/json',
      },
      '{"action":"context"}',
    );
    expect(json({ ...answer, text: JSON.stringify(replyEvent(answer).data) })).toEqual({
      tenant: 'acme',
      namespace: 'orders',
      functionName: 'enrich',
      userConfig: { greeting: 'hello', limit: 3 },
      greeting: 'hello',
      secret: 'tok-123',
      message: {
        topic: 'persistent://public/default/in-partition-1',
        messageId: '42:7:1:-1',
        key: 'key one',
        properties: { region: 'eu' },
        publishTime: '2026-03-04T05:06:08.123Z',
        eventTime: '2026-03-04T05:06:00.000Z',
        redeliveryCount: 2,
      },
      eventId: 'evt-1',
      eventTime: '2026-03-04T05:06:07Z',
      query: { x: '1' },
    });
  });

  it('logs with the event id bound', async () => {
    await post(
      serve.url,
      { ...CE_HEADERS, 'ce-id': 'log-me', 'content-type': 'application/json' },
      '{"action":"throw"}',
    );
    const line = await serve.waitForLog((r) => r.msg === 'the function failed' && r['eventId'] === 'log-me');
    expect(JSON.stringify(line['err'])).toContain('hunter2'); // the detail goes to the log, not the client
  });
});
