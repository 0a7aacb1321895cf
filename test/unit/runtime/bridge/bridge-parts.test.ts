import type { CloudEventV1 } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { MEDIA_TYPE_BATCH_RESULTS } from '../../../../runtime/cloudevents/batch-results.ts';
import { BridgeErrors } from '../../../../runtime/bridge/bridge-errors.ts';
import { bridgeOptions } from '../../../../runtime/bridge/bridge-options.ts';
import { resolveBridgeSettings } from '../../../../runtime/bridge/bridge-settings.ts';
import {
  DeadLetterProperties,
  defaultDeadLetterTopic,
  toDeadLetterMessage,
} from '../../../../runtime/bridge/dead-letter-message.ts';
import { DeliveryQueue } from '../../../../runtime/bridge/delivery-queue.ts';
import { jsonFormOf } from '../../../../runtime/bridge/delivery-request.ts';
import { effectivelyOnceSequenceId } from '../../../../runtime/bridge/effectively-once-sequence.ts';
import { readBatchResponse, readSingleResponse } from '../../../../runtime/bridge/read-delivery-response.ts';
import { jsonDataBytes } from '../../../../runtime/cloudevents/json-data-bytes.ts';
import { toReplyMessage } from '../../../../runtime/bridge/reply-message.ts';
import { ReplyTopics } from '../../../../runtime/bridge/reply-topics.ts';
import { RetryPolicy } from '../../../../runtime/bridge/retry-policy.ts';
import { parseOptions } from '../../../../runtime/config/parse-options.ts';
import { MessageId } from '../../../../runtime/pulsar/message-id.ts';
import { message } from './bridge-test-kit.ts';

describe('DeliveryQueue', () => {
  it('hands out independent messages at once, ordered groups one at a time', () => {
    const q = new DeliveryQueue<string>();
    q.push('x1', undefined);
    q.push('x2', undefined);
    q.push('a1', 'a');
    q.push('a2', 'a');
    q.push('b1', 'b');
    expect(q.readyCount).toBe(5);
    expect(q.take(10)).toEqual(['x1', 'x2', 'a1', 'b1']);
    expect(q.readyCount).toBe(0);
    q.push('a3', 'a');
    expect(q.take(10)).toEqual([]);
    q.finish('a1');
    expect(q.take(10)).toEqual(['a2']);
    expect(q.size).toBe(5);
  });

  it('takes several consecutive messages of a group for one batch', () => {
    const q = new DeliveryQueue<string>();
    for (const m of ['a1', 'a2', 'a3', 'b1']) q.push(m, m[0]);
    expect(q.take(3, 10)).toEqual(['a1', 'a2', 'a3']);
    expect(q.take(3, 10)).toEqual(['b1']);
  });

  it('puts back messages taken but not run, in place, behind the ones of their group still in service', () => {
    const q = new DeliveryQueue<string>();
    for (const m of ['a1', 'a2', 'a3']) q.push(m, 'a');
    expect(q.take(10, 10)).toEqual(['a1', 'a2', 'a3']);
    q.putBack('a2'); // a2 and a3 were not run; a1 is still being settled
    expect(q.take(10, 10)).toEqual([]);
    expect(q.readyCount).toBe(0);
    q.finish('a1');
    expect(q.readyCount).toBe(2);
    expect(q.take(10, 10)).toEqual(['a2', 'a3']);
    q.putBack('a3'); // not taken again before it is handed out
    q.putBack('a3');
    expect(q.size).toBe(2);
  });

  it('keeps a retried message first and its group blocked until unblocked', () => {
    const q = new DeliveryQueue<string>();
    for (const m of ['a1', 'a2', 'a3']) q.push(m, 'a');
    expect(q.take(10, 10)).toEqual(['a1', 'a2', 'a3']);
    q.finish('a1');
    q.retryLater('a2');
    expect(q.take(10, 10)).toEqual([]);
    expect(() => q.retryLater('a3')).toThrow(/not first/);
    q.unblock('a2');
    expect(q.take(10, 10)).toEqual(['a2', 'a3']);
  });

  it('counts ready messages exactly as messages finish out of service (release)', () => {
    const q = new DeliveryQueue<string>();
    for (const m of ['a1', 'a2']) q.push(m, 'a');
    q.finish('a2');
    expect(q.readyCount).toBe(1);
    expect(q.take(5)).toEqual(['a1']);
    q.finish('a1');
    expect(q.size).toBe(0);
    q.push('a3', 'a');
    expect(q.take(5)).toEqual(['a3']);
  });
});

describe('RetryPolicy', () => {
  it('doubles the delay with equal jitter, caps it, and honours Retry-After up to the cap', () => {
    const high = new RetryPolicy({ maxRetries: 3, initialMs: 100, maxMs: 1000, random: () => 1 });
    expect([1, 2, 3, 4, 5].map((n) => high.delayMs(n))).toEqual([100, 200, 400, 800, 1000]);
    const low = new RetryPolicy({ maxRetries: 3, initialMs: 100, maxMs: 1000, random: () => 0 });
    expect([1, 2, 3].map((n) => low.delayMs(n))).toEqual([50, 100, 200]);
    expect(low.delayMs(1, 700)).toBe(700);
    expect(low.delayMs(1, 60_000)).toBe(1000);
    expect([1, 2, 3, 4].map((n) => high.allowsRetry(n))).toEqual([true, true, true, false]);
    expect(new RetryPolicy({ maxRetries: 0, initialMs: 1, maxMs: 1 }).allowsRetry(1)).toBe(false);
  });
});

describe('effectivelyOnceSequenceId', () => {
  it('grows with the input position and the reply index, and refuses what does not fit', () => {
    const id = (l: number, e: number, b = -1): MessageId => new MessageId(l, e, 0, b);
    const ids = [
      effectivelyOnceSequenceId(id(5, 9), 0),
      effectivelyOnceSequenceId(id(5, 9), 1),
      effectivelyOnceSequenceId(id(5, 9), 4095),
      effectivelyOnceSequenceId(id(5, 10), 0),
      effectivelyOnceSequenceId(id(6, 0), 0),
    ];
    expect(ids.every((x) => x !== undefined)).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(effectivelyOnceSequenceId(id(2 ** 30 - 1, 2 ** 21 - 1), 4095)).toBe(2n ** 63n - 1n);
    expect(effectivelyOnceSequenceId(id(2 ** 30, 0), 0)).toBeUndefined();
    expect(effectivelyOnceSequenceId(id(1, 2 ** 21), 0)).toBeUndefined();
    expect(effectivelyOnceSequenceId(id(1, 1), 4096)).toBeUndefined();
  });
});

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(body)),
});

describe('readSingleResponse', () => {
  it('reads 204, a binary reply with its exact body, a batch of replies and a plain body', () => {
    expect(readSingleResponse({ status: 204, headers: {}, body: Buffer.alloc(0) })).toEqual({
      kind: 'success',
      status: 204,
      replies: [],
    });
    const body = Buffer.from('{"big": 12345678901234567890}');
    const binary = readSingleResponse({
      status: 200,
      headers: {
        'ce-specversion': '1.0',
        'ce-id': 'r1',
        'ce-source': '/f',
        'ce-type': 't',
        'ce-knmeshtopic': 'alerts',
        'ce-partitionkey': 'k9',
        'ce-knmeshproperties': '{"a":"1"}',
        'content-type': 'application/json',
      },
      body,
    });
    expect(binary.kind).toBe('success');
    const [reply] = binary.kind === 'success' ? binary.replies : [];
    expect(reply).toEqual({
      topic: 'alerts',
      key: 'k9',
      properties: { a: '1' },
      payload: body,
      bindingProperties: {
        ce_specversion: '1.0',
        ce_id: 'r1',
        ce_source: '/f',
        ce_type: 't',
        'content-type': 'application/json',
      },
    });
    const batch = readSingleResponse({
      status: 200,
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: Buffer.from(
        JSON.stringify([
          {
            specversion: '1.0',
            id: '1',
            source: '/f',
            type: 't',
            datacontenttype: 'application/json',
            data: 'q',
          },
          { specversion: '1.0', id: '2', source: '/f', type: 't', data_base64: 'AAE=' },
        ]),
      ),
    });
    expect(batch.kind === 'success' && batch.replies.map((r) => r.payload.toString('hex'))).toEqual([
      Buffer.from('"q"').toString('hex'),
      '0001',
    ]);
    const plain = readSingleResponse({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: Buffer.from('hi'),
    });
    expect(plain.kind === 'success' && plain.replies).toEqual([
      {
        topic: undefined,
        key: undefined,
        properties: undefined,
        payload: Buffer.from('hi'),
        bindingProperties: { 'content-type': 'text/plain' },
      },
    ]);
  });

  it('classifies failures: retried statuses, dead-lettered statuses, no answer', () => {
    expect(
      readSingleResponse(
        json(
          503,
          { code: 'KNMESH_FUNCTION_RETRY', message: 'busy', retryable: true },
          { 'retry-after': '2' },
        ),
      ),
    ).toEqual({
      kind: 'retry',
      failure: { code: 'KNMESH_FUNCTION_RETRY', status: 503, reason: 'busy', retryAfterMs: 2000 },
    });
    for (const s of [404, 408, 429, 500, 502]) expect(readSingleResponse(json(s, {})).kind).toBe('retry');
    for (const s of [301, 400, 401, 403, 409, 413, 415, 422])
      expect(readSingleResponse(json(s, {})).kind).toBe('dead-letter');
    expect(readSingleResponse({ status: 400, headers: {}, body: Buffer.from('nope') })).toEqual({
      kind: 'dead-letter',
      failure: {
        code: 'KNMESH_BRIDGE_DELIVERY_REFUSED',
        status: 400,
        reason: 'HTTP 400: nope',
        retryAfterMs: undefined,
      },
    });
    expect(readSingleResponse({ kind: 'timeout', beforeInvocation: false, reason: 'slow' })).toEqual({
      kind: 'retry',
      failure: {
        code: 'KNMESH_BRIDGE_DELIVERY_TIMEOUT',
        status: undefined,
        reason: 'slow',
        beforeInvocation: false,
      },
    });
  });

  it('retries a 2xx reply that breaks the contract', () => {
    const invalid = readSingleResponse({
      status: 200,
      headers: { 'ce-specversion': '1.0', 'ce-id': 'x' },
      body: Buffer.alloc(0),
    });
    expect(invalid).toMatchObject({
      kind: 'retry',
      failure: { code: 'KNMESH_BRIDGE_INVALID_REPLY', status: 200 },
    });
    const badProps = readSingleResponse({
      status: 200,
      headers: {
        'ce-specversion': '1.0',
        'ce-id': 'x',
        'ce-source': '/s',
        'ce-type': 't',
        'ce-knmeshproperties': '[1]',
      },
      body: Buffer.alloc(0),
    });
    expect(badProps).toMatchObject({ kind: 'retry', failure: { code: 'KNMESH_BRIDGE_INVALID_REPLY' } });
  });
});

describe('readBatchResponse', () => {
  const results = (r: unknown[]) => ({
    status: 200,
    headers: { 'content-type': MEDIA_TYPE_BATCH_RESULTS },
    body: Buffer.from(JSON.stringify({ results: r })),
  });

  it('gives each event its own outcome', () => {
    const outcomes = readBatchResponse(
      results([
        { id: 'a', status: 204 },
        {
          id: 'b',
          status: 422,
          error: { code: 'KNMESH_FUNCTION_REJECTED', message: 'no', retryable: false },
        },
        { id: 'c', status: 503, error: { code: 'KNMESH_FUNCTION_RETRY', message: 'busy', retryable: true } },
        { id: 'd', status: 503, error: { code: 'KNMESH_HOST_SKIPPED', message: 'not run', retryable: true } },
      ]),
      ['a', 'b', 'c', 'd'],
      true,
    );
    expect(
      outcomes.map((o) => [
        o.kind,
        o.kind === 'success' ? o.status : o.kind === 'not-run' ? undefined : o.failure.code,
      ]),
    ).toEqual([
      ['success', 204],
      ['dead-letter', 'KNMESH_FUNCTION_REJECTED'],
      ['retry', 'KNMESH_FUNCTION_RETRY'],
      ['not-run', undefined],
    ]);
  });

  it('believes "not run" only in an ordered batch after a retryable failure: anywhere else it is a retry', () => {
    const skipped = {
      status: 503,
      error: { code: 'KNMESH_HOST_SKIPPED', message: 'not run', retryable: true },
    };
    const kinds = (r: unknown[], ordered: boolean) =>
      readBatchResponse(
        results(r),
        r.map((x) => (x as { id: string }).id),
        ordered,
      ).map((o) => o.kind);
    // A host that skips the first event would otherwise make the bridge resend it forever, for free.
    expect(kinds([{ id: 'a', ...skipped }], true)).toEqual(['retry']);
    expect(
      kinds(
        [
          { id: 'a', status: 204 },
          { id: 'b', ...skipped },
        ],
        true,
      ),
    ).toEqual(['success', 'retry']);
    const afterFailure = [
      { id: 'a', status: 500, error: { code: 'KNMESH_FUNCTION_FAILED', message: 'x', retryable: true } },
      { id: 'b', ...skipped },
    ];
    expect(kinds(afterFailure, true)).toEqual(['retry', 'not-run']);
    expect(kinds(afterFailure, false)).toEqual(['retry', 'retry']);
  });

  it('fails every event alike for a whole-request failure or a broken answer', () => {
    expect(
      readBatchResponse(
        json(415, { code: 'KNMESH_CE_UNSUPPORTED_MEDIA_TYPE', message: 'x', retryable: false }),
        ['a', 'b'],
      ).map((o) => o.kind),
    ).toEqual(['dead-letter', 'dead-letter']);
    expect(
      readBatchResponse(results([{ id: 'a', status: 204 }]), ['a', 'b']).map(
        (o) => o.kind === 'retry' && o.failure.code,
      ),
    ).toEqual(['KNMESH_CE_INVALID_BATCH_RESULTS', 'KNMESH_CE_INVALID_BATCH_RESULTS']);
    expect(readBatchResponse({ status: 200, headers: {}, body: Buffer.from('[]') }, ['a'])[0]).toMatchObject({
      kind: 'retry',
      failure: { code: 'KNMESH_CE_INVALID_BATCH_RESULTS' },
    });
  });
});

describe('jsonDataBytes', () => {
  it('follows the reply contract for JSON-format events', () => {
    const e = (datacontenttype: string | undefined, data: unknown) =>
      jsonDataBytes({
        specversion: '1.0',
        id: 'i',
        source: '/s',
        type: 't',
        datacontenttype,
        data,
      }).toString();
    expect(e('application/json', { a: 1 })).toBe('{"a":1}');
    expect(e(undefined, 'text')).toBe('"text"');
    expect(e('application/json', 'text')).toBe('"text"');
    expect(e('text/plain', 'text')).toBe('text');
    expect(e('application/xml', '<a/>')).toBe('<a/>');
    expect(e(undefined, undefined)).toBe('');
    expect(e(undefined, Buffer.from([1, 2]))).toBe('\u0001\u0002');
  });
});

describe('reply and dead-letter messages', () => {
  const input = message({
    payload: 'in',
    key: 'k-in',
    properties: { region: 'eu', ce_id: 'input-event', 'content-type': 'text/plain' },
  });

  it('keeps the input key unless the reply sets one; properties in their order of precedence', () => {
    const reply = {
      topic: undefined,
      key: undefined,
      properties: { region: 'us', extra: 'x' },
      payload: Buffer.from('out'),
      bindingProperties: { ce_id: 'reply-event', 'content-type': 'application/json' },
    };
    const m = toReplyMessage(input, reply, true);
    expect(m.key).toBe('k-in');
    expect(m.properties).toEqual({
      region: 'us',
      extra: 'x',
      __pfn_input_topic__: input.topic,
      __pfn_input_msg_id__: input.messageId.toBytes().toString('base64'),
      ce_id: 'reply-event',
      'content-type': 'application/json',
    });
    expect(toReplyMessage(input, { ...reply, key: 'k-out', properties: undefined }, false)).toMatchObject({
      key: 'k-out',
      properties: { __pfn_input_topic__: input.topic, ce_id: 'reply-event' },
    });
    expect(toReplyMessage(input, { ...reply, properties: undefined }, false).properties).not.toHaveProperty(
      'region',
    );
  });

  it('dead letters keep payload, key and properties and gain the reason', () => {
    const d = toDeadLetterMessage(
      input,
      { code: 'KNMESH_BRIDGE_RETRIES_EXHAUSTED', status: 500, reason: 'boom' },
      { attempts: 4, subscription: 'public/default/fn', lastCode: 'KNMESH_FUNCTION_FAILED' },
    );
    expect(d.payload.toString()).toBe('in');
    expect(d.key).toBe('k-in');
    expect(d.properties).toEqual({
      ...input.properties,
      [DeadLetterProperties.realTopic]: input.topic,
      [DeadLetterProperties.originMessageId]: input.messageId.toString(),
      [DeadLetterProperties.code]: 'KNMESH_BRIDGE_RETRIES_EXHAUSTED',
      [DeadLetterProperties.status]: '500',
      [DeadLetterProperties.reason]: 'boom',
      [DeadLetterProperties.lastCode]: 'KNMESH_FUNCTION_FAILED',
      [DeadLetterProperties.attempts]: '4',
      [DeadLetterProperties.subscription]: 'public/default/fn',
    });
    expect(defaultDeadLetterTopic('persistent://public/default/in-partition-3', 'public/default/fn')).toBe(
      'persistent://public/default/in-public-default-fn-DLQ',
    );
  });

  it('allows replies only to the output and the allowed topics, compared fully qualified', () => {
    const topics = new ReplyTopics('out', ['persistent://public/default/alerts']);
    expect(topics.resolve(undefined)).toEqual({ topic: 'persistent://public/default/out' });
    expect(topics.resolve('alerts')).toEqual({ topic: 'persistent://public/default/alerts' });
    expect(topics.resolve('public/default/out')).toEqual({ topic: 'persistent://public/default/out' });
    expect(topics.resolve('secrets')).toEqual({ refused: 'secrets' });
    expect(topics.resolve('not a topic')).toEqual({ refused: 'not a topic' });
    expect(new ReplyTopics(undefined, []).resolve(undefined)).toEqual({ noOutput: true });
  });
});

describe('bridge settings', () => {
  const parse = (argv: string[]) =>
    resolveBridgeSettings(
      parseOptions(bridgeOptions, {
        argv: ['--pulsar-url', 'pulsar://h:6650', '--subscription', 's', '--sink', 'http://f', ...argv],
        env: {},
      }).config,
    );

  it('normalises topics and maps the subscription type', () => {
    const s = parse([
      '--input',
      'a',
      '--input',
      't/n/b',
      '--output',
      'o',
      '--subscription-type',
      'key_shared',
    ]);
    expect(s.inputs).toEqual(['persistent://public/default/a', 'persistent://t/n/b']);
    expect(s.output).toBe('persistent://public/default/o');
    expect(s.subscriptionType).toBe('Key_Shared');
    expect(s.name).toBe('s');
  });

  it('reads the reply batching delay from the flag or KNMESH_PUBLISH_DELAY_MS, 1 ms by default, from 1 ms to 1 s', () => {
    const base = [
      '--pulsar-url',
      'pulsar://h:6650',
      '--subscription',
      's',
      '--sink',
      'http://f',
      '--input',
      'a',
    ];
    const config = (argv: string[], env: Record<string, string> = {}) =>
      parseOptions(bridgeOptions, { argv: [...base, ...argv], env }).config;
    expect(config([]).publishDelayMs).toBe(1);
    expect(config(['--publish-delay-ms', '10']).publishDelayMs).toBe(10);
    expect(config([], { KNMESH_PUBLISH_DELAY_MS: '3' }).publishDelayMs).toBe(3);
    expect(config(['--publish-delay-ms', '5'], { KNMESH_PUBLISH_DELAY_MS: '7' }).publishDelayMs).toBe(5);
    expect(() => config(['--publish-delay-ms', '1001'])).toThrow(/--publish-delay-ms/);
    expect(() => config(['--publish-delay-ms', '0'])).toThrow(/--publish-delay-ms/);
  });

  it('refuses missing or doubled inputs, bad topic names and effectively-once without one consumer per partition', () => {
    expect(() => parse([])).toThrow(/--input .* or --input-pattern/);
    expect(() => parse(['--input', 'a', '--input-pattern', 'x.*'])).toThrow(/not both/);
    expect(() => parse(['--input', 'a/b'])).toThrow(/--input/);
    expect(() => parse(['--input', 'a', '--guarantee', 'effectively_once'])).toThrow(/failover or exclusive/);
    expect(
      parse(['--input', 'a', '--guarantee', 'effectively_once', '--subscription-type', 'failover'])
        .subscriptionType,
    ).toBe('Failover');
  });
});

describe('bridge error catalogue', () => {
  it('has unique KNMESH_BRIDGE_ codes, per-message entries retry or dead-letter, start-up ones fail', () => {
    const entries = Object.values(BridgeErrors);
    expect(new Set(entries.map((e) => e.code)).size).toBe(entries.length);
    for (const e of entries) expect(e.code).toMatch(/^KNMESH_BRIDGE_[A-Z_]+$/);
    expect(BridgeErrors.deduplicationUnavailable.disposition).toBe('fail');
    expect(BridgeErrors.retriesExhausted.disposition).toBe('dead-letter');
  });
});

describe('jsonFormOf', () => {
  const base = { specversion: '1.0', id: 'i', source: '/s', type: 't', pulsarredeliverycount: 0 };
  it('splices JSON payloads byte for byte, quotes text, base64-encodes bytes', () => {
    const json = jsonFormOf({
      ...base,
      datacontenttype: 'application/json',
      data: Buffer.from('{"n": 1.50}'),
    });
    expect(json).toBe(
      '{"specversion":"1.0","id":"i","source":"/s","type":"t","pulsarredeliverycount":0,"datacontenttype":"application/json","data":{"n": 1.50}}',
    );
    expect(
      (
        JSON.parse(jsonFormOf({ ...base, datacontenttype: 'text/plain', data: Buffer.from('hé "q"') })) as {
          data: unknown;
        }
      ).data,
    ).toBe('hé "q"');
    expect(
      (JSON.parse(jsonFormOf({ ...base, data: Buffer.from([0, 255]) })) as { data_base64: unknown })
        .data_base64,
    ).toBe('AP8=');
    expect(JSON.parse(jsonFormOf({ ...base }))).toEqual(base);
  });

  it('writes each event with its own attribute values when they change from one event to the next', () => {
    const events: Record<string, unknown>[] = [
      { ...base, id: 'a', source: '/one', pulsarredeliverycount: 0, time: new Date(1000) },
      { ...base, id: 'b', source: '/one', pulsarredeliverycount: 2, time: new Date(1000) },
      { ...base, id: 'a', source: '/two "quoted"', pulsarredeliverycount: 0, time: new Date(2000) },
      { ...base, id: 'a', source: '/one', pulsarredeliverycount: 0, time: new Date(1000), extra: 'x' },
      { ...base, id: 'a', source: '/one', pulsarredeliverycount: 0 },
    ];
    for (const round of [1, 2]) {
      for (const event of events) {
        const expected = { ...event };
        if (event['time'] instanceof Date) expected['time'] = event['time'].toISOString();
        expect(
          JSON.parse(jsonFormOf(event as unknown as CloudEventV1<unknown>)),
          `round ${round}, event ${String(event['id'])}`,
        ).toEqual(expected);
      }
    }
  });

  it('refuses a payload that is not what its content type says', () => {
    expect(() =>
      jsonFormOf({ ...base, datacontenttype: 'application/json', data: Buffer.from('{') }),
    ).toThrow(/not valid JSON/);
  });
});
