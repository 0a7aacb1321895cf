import { describe, expect, it } from 'vitest';
import { joinToUtf8 } from '../../../../runtime/cloudevents/join-to-utf8.ts';
import {
  decodeBatchResults,
  encodeBatchResult,
  joinBatchResults,
} from '../../../../runtime/cloudevents/batch-results.ts';
import { KnmeshError } from '../../../../runtime/errors/knmesh-error.ts';

const reply = {
  specversion: '1.0',
  id: 'r',
  source: '/fn',
  type: 't',
  datacontenttype: 'text/plain',
  data: 'out',
  knmeshtopic: 'other',
};
const rejected = { code: 'KNMESH_FUNCTION_REJECTED', message: 'bad input', retryable: false };

describe('batch results', () => {
  it('round-trips one result per input, in order, with reply events and errors', () => {
    const body = joinBatchResults([
      encodeBatchResult({ id: 'a', status: 200, events: [reply] }),
      encodeBatchResult({ id: 'b', status: 204 }),
      encodeBatchResult({ id: 'c', status: 422, error: rejected }),
    ]);
    const results = decodeBatchResults(body, ['a', 'b', 'c']);
    expect(results.map((r) => [r.id, r.status, r.events.length, r.error?.code])).toEqual([
      ['a', 200, 1, undefined],
      ['b', 204, 0, undefined],
      ['c', 422, 0, 'KNMESH_FUNCTION_REJECTED'],
    ]);
    expect(results[0]!.events[0]!['knmeshtopic']).toBe('other');
    expect(results[0]!.events[0]!.data).toBe('out');
  });

  it('writes binary reply data as data_base64', () => {
    const text = encodeBatchResult({ id: 'a', status: 200, events: [{ ...reply, data: Buffer.from('hi') }] });
    expect(JSON.parse(text)).toMatchObject({
      events: [{ data_base64: Buffer.from('hi').toString('base64') }],
    });
  });

  it('refuses a result that cannot be serialised, so the caller can fail just that event', () => {
    expect(() =>
      encodeBatchResult({ id: 'a', status: 200, events: [{ ...reply, data: { n: 1n } }] }),
    ).toThrow(TypeError);
  });

  it('fails the whole answer when it does not follow the contract (the bridge retries the batch)', () => {
    const ok = encodeBatchResult({ id: 'a', status: 204 });
    const cases: Array<[string | Buffer, string[]]> = [
      ['not json', ['a']],
      ['{"results":{}}', ['a']],
      [joinBatchResults([ok]), ['a', 'b']],
      [joinBatchResults([ok]), ['z']],
      [joinBatchResults(['{"id":"a","status":99}']), ['a']],
      [joinBatchResults(['{"id":"a","status":500}']), ['a']],
      [joinBatchResults([`{"id":"a","status":204,"events":[]}`]), ['a']],
      [joinBatchResults([`{"id":"a","status":200,"events":[{"id":"x"}]}`]), ['a']],
    ];
    for (const [body, ids] of cases) {
      let error: unknown;
      try {
        decodeBatchResults(body, ids);
      } catch (e) {
        error = e;
      }
      expect(error, String(body)).toBeInstanceOf(KnmeshError);
      expect((error as KnmeshError).code).toBe('KNMESH_CE_INVALID_BATCH_RESULTS');
      expect((error as KnmeshError).retryable).toBe(true);
    }
  });

  it('accepts a result without id (an element that was not a valid event)', () => {
    const body = joinBatchResults([
      encodeBatchResult({ id: undefined, status: 400, error: { ...rejected, code: 'X' } }),
    ]);
    expect(decodeBatchResults(body, ['a'])[0]!.status).toBe(400);
  });
});

describe('joinToUtf8', () => {
  it('writes prefix, comma-joined parts and suffix as UTF-8, multi-byte characters included', () => {
    const cases: Array<[string, string[], string]> = [
      ['[', [], ']'],
      ['[', ['{"a":1}'], ']'],
      ['{"results":[', ['{"x":"é→😀"}', '{}', '"\\u0000"'], ']}'],
      ['', ['a'.repeat(200_000), 'ü'.repeat(70_000)], ''],
    ];
    for (const [prefix, parts, suffix] of cases) {
      const bytes = joinToUtf8(prefix, parts, suffix);
      expect(bytes.equals(Buffer.from(prefix + parts.join(',') + suffix, 'utf8'))).toBe(true);
    }
  });
});
