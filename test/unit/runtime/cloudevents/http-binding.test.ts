import { CloudEvent, HTTP, type Headers } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { httpBinding } from '../../../../runtime/cloudevents/http-binding.ts';
import type { HttpMessage } from '../../../../runtime/cloudevents/http-message.ts';
import { KnmeshError } from '../../../../runtime/errors/knmesh-error.ts';

const CE = { 'ce-specversion': '1.0', 'ce-id': 'id-1', 'ce-source': '/tests', 'ce-type': 'dev.knmesh.test' };

function message(headers: Record<string, string>, body: string | Buffer = ''): HttpMessage {
  return { headers, body: typeof body === 'string' ? Buffer.from(body) : body };
}

function single(m: HttpMessage): CloudEvent<unknown> {
  const { entries } = httpBinding.toEvents(m);
  expect(entries).toHaveLength(1);
  const [event] = entries;
  if (!(event instanceof CloudEvent)) throw new Error(`expected an event, got ${String(event)}`);
  return event;
}

function failure(run: () => unknown): KnmeshError {
  try {
    run();
  } catch (error) {
    if (error instanceof KnmeshError) return error;
    throw error;
  }
  throw new Error('expected a KnmeshError');
}

describe('httpBinding.mode', () => {
  it('tells structured and batched mode by media type, binary mode by ce-specversion or ce-id', () => {
    expect(httpBinding.mode(message({ 'content-type': 'application/cloudevents+json;charset=UTF-8' }))).toBe(
      'structured',
    );
    expect(httpBinding.mode(message({ 'content-type': 'application/cloudevents-batch+json' }))).toBe('batch');
    expect(httpBinding.mode(message({ ...CE, 'content-type': 'application/json' }))).toBe('binary');
    expect(httpBinding.mode(message({ 'ce-id': 'x' }))).toBe('binary');
    expect(httpBinding.mode(message({ 'content-type': 'application/json' }))).toBeUndefined();
    expect(httpBinding.mode(message({}))).toBeUndefined();
  });

  it('refuses event formats other than JSON and unparseable content types with 415', () => {
    for (const type of [
      'application/cloudevents+xml',
      'application/cloudevents',
      'application/cloudevents-batch+avro',
      'nonsense',
    ]) {
      const error = failure(() => httpBinding.mode(message({ 'content-type': type })));
      expect([type, error.code, error.status]).toEqual([type, 'KNMESH_CE_UNSUPPORTED_MEDIA_TYPE', 415]);
    }
  });
});

describe('binary mode', () => {
  it('parses JSON data whatever the spelling of the content type', () => {
    for (const type of [
      'application/json',
      'application/json;charset=utf-8',
      'Application/JSON; charset="UTF-8"',
      'application/vnd.x+json',
    ]) {
      const event = single(message({ ...CE, 'content-type': type }, '{"a":[1,2]}'));
      expect([type, event.data]).toEqual([type, { a: [1, 2] }]);
      expect(event.datacontenttype).toBe(type);
    }
  });

  it('decodes text in its charset and keeps other bytes as a Buffer', () => {
    expect(single(message({ ...CE, 'content-type': 'text/plain' }, 'hé')).data).toBe('hé');
    const latin1 = Buffer.from([0x68, 0xe9]);
    expect(single(message({ ...CE, 'content-type': 'text/plain; charset=iso-8859-1' }, latin1)).data).toBe(
      'hé',
    );
    const bytes = Buffer.from([0, 1, 2, 255]);
    const event = single(message({ ...CE, 'content-type': 'application/octet-stream' }, bytes));
    expect(Buffer.isBuffer(event.data)).toBe(true);
    expect(event.data).toEqual(bytes);
    expect(event.data_base64).toBe(bytes.toString('base64'));
    // No content type: bytes, never guessed to be JSON (sdk-javascript#441).
    expect(Buffer.isBuffer(single(message({ ...CE }, '{"a":1}')).data)).toBe(true);
  });

  it('has no data for an empty body', () => {
    expect(single(message({ ...CE, 'content-type': 'text/plain' })).data).toBeUndefined();
  });

  it('reads extensions, percent-decodes values and builds a real, valid SDK CloudEvent', () => {
    const event = single(
      message(
        { ...CE, 'ce-subject': 'a%20b', 'ce-partitionkey': 'Z%C3%BCrich', 'content-type': 'text/plain' },
        'x',
      ),
    );
    expect(event).toBeInstanceOf(CloudEvent);
    expect(event.validate()).toBe(true);
    expect(event.subject).toBe('a b');
    expect(event['partitionkey']).toBe('Zürich');
    expect(Object.isFrozen(event)).toBe(true);
    expect(event.cloneWith({ subject: 'c' }).subject).toBe('c');
  });

  it('does not invent a time the sender did not give (the SDK constructor would)', () => {
    expect(single(message({ ...CE }, '')).time).toBeUndefined();
    expect(single(message({ ...CE, 'ce-time': '2026-01-02T03:04:05.678Z' }, '')).time).toBe(
      '2026-01-02T03:04:05.678Z',
    );
  });

  it('rejects invalid events with 400 naming the attribute, which the SDK parser lets through', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'ce-specversion': '1.0', 'ce-id': '1', 'ce-type': 't' }, 'source'],
      [{ 'ce-id': '1', 'ce-source': '/s', 'ce-type': 't' }, 'specversion'],
      [{ ...CE, 'ce-specversion': '0.3' }, 'specversion'],
      [{ ...CE, 'ce-specversion': '2.0' }, 'specversion'],
      [{ ...CE, 'ce-time': 'garbage' }, 'time'],
      [{ ...CE, 'ce-time': '2026-13-45T99:00:00Z' }, 'time'],
      [{ ...CE, 'ce-my-ext': 'x' }, 'my-ext'],
      [{ ...CE, 'ce-dataschema': 'not a uri' }, 'dataschema'],
      [{ ...CE, 'ce-source': 'a b' }, 'source'],
      [{ ...CE, 'ce-id': '' }, 'id'],
    ];
    for (const [headers, attribute] of cases) {
      const error = failure(() => httpBinding.toEvents(message(headers)));
      expect([attribute, error.code, error.status, error.details?.['attribute']]).toEqual([
        attribute,
        'KNMESH_CE_INVALID_EVENT',
        400,
        attribute,
      ]);
    }
  });

  it('rejects a JSON body that does not parse with 400, and JSON in another charset with 415', () => {
    const bad = failure(() =>
      httpBinding.toEvents(message({ ...CE, 'content-type': 'application/json' }, '{"a":')),
    );
    expect([bad.code, bad.status]).toEqual(['KNMESH_CE_MALFORMED_BODY', 400]);
    const latin = failure(() =>
      httpBinding.toEvents(message({ ...CE, 'content-type': 'application/json; charset=latin1' }, '{}')),
    );
    expect([latin.code, latin.status]).toEqual(['KNMESH_CE_UNSUPPORTED_MEDIA_TYPE', 415]);
  });

  it('reads what the SDK writes', () => {
    const sdk = new CloudEvent({ source: '/sdk', type: 't', data: { n: 1 }, partitionkey: 'k' });
    const written = HTTP.binary(sdk);
    const event = single({
      headers: written.headers,
      body: Buffer.from(written.body as string),
    });
    expect([event.id, event.data, event['partitionkey']]).toEqual([sdk.id, { n: 1 }, 'k']);
  });
});

describe('structured mode', () => {
  const structured = (body: unknown, type = 'application/cloudevents+json; charset=utf-8'): HttpMessage =>
    message({ 'content-type': type }, JSON.stringify(body));

  it('reads the JSON event format, tolerating content-type spelling', () => {
    const event = single(
      structured(
        {
          specversion: '1.0',
          id: '1',
          source: '/s',
          type: 't',
          datacontenttype: 'application/json',
          data: { a: 1 },
          pulsarredeliverycount: 2,
        },
        'application/cloudevents+json;charset=UTF-8',
      ),
    );
    expect([event.data, event['pulsarredeliverycount']]).toEqual([{ a: 1 }, 2]);
  });

  it('decodes data_base64 into a Buffer of the right bytes (not the SDK’s Uint32Array)', () => {
    const bytes = Buffer.from([1, 2, 3, 250]);
    const event = single(
      structured({
        specversion: '1.0',
        id: '1',
        source: '/s',
        type: 't',
        data_base64: bytes.toString('base64'),
      }),
    );
    expect(Buffer.isBuffer(event.data)).toBe(true);
    expect(event.data).toEqual(bytes);
  });

  it('treats null attributes as absent', () => {
    expect(
      single(structured({ specversion: '1.0', id: '1', source: '/s', type: 't', subject: null })).subject,
    ).toBeUndefined();
  });

  it('rejects malformed bodies and invalid events', () => {
    const cases: Array<[HttpMessage, string]> = [
      [message({ 'content-type': 'application/cloudevents+json' }, '[1]'), 'KNMESH_CE_MALFORMED_BODY'],
      [message({ 'content-type': 'application/cloudevents+json' }, '{'), 'KNMESH_CE_MALFORMED_BODY'],
      [message({ 'content-type': 'application/cloudevents+json' }, ''), 'KNMESH_CE_MALFORMED_BODY'],
      [structured({ specversion: '1.0', id: 1, source: '/s', type: 't' }), 'KNMESH_CE_INVALID_EVENT'],
      [
        structured({ specversion: '1.0', id: '1', source: '/s', type: 't', ext: { nested: true } }),
        'KNMESH_CE_INVALID_EVENT',
      ],
      [
        structured({ specversion: '1.0', id: '1', source: '/s', type: 't', big: 2 ** 40 }),
        'KNMESH_CE_INVALID_EVENT',
      ],
      [
        structured({ specversion: '1.0', id: '1', source: '/s', type: 't', data: 1, data_base64: 'AQ==' }),
        'KNMESH_CE_INVALID_EVENT',
      ],
      [
        structured({ specversion: '1.0', id: '1', source: '/s', type: 't', data_base64: '***' }),
        'KNMESH_CE_INVALID_EVENT',
      ],
    ];
    for (const [m, code] of cases) expect(failure(() => httpBinding.toEvents(m)).code).toBe(code);
  });
});

describe('batched mode', () => {
  it('reports each invalid element on its own, keeping the valid ones', () => {
    const body = JSON.stringify([
      { specversion: '1.0', id: 'a', source: '/s', type: 't', data: 1 },
      { specversion: '1.0', id: 'b', type: 't' },
      'not an event',
      { specversion: '1.0', id: 'c', source: '/s', type: 't', datacontenttype: 'text/plain', data: 'x' },
    ]);
    const { mode, entries } = httpBinding.toEvents(
      message({ 'content-type': 'application/cloudevents-batch+json' }, body),
    );
    expect(mode).toBe('batch');
    expect(entries.map((e) => (e instanceof KnmeshError ? e.code : e.id))).toEqual([
      'a',
      'KNMESH_CE_INVALID_EVENT',
      'KNMESH_CE_MALFORMED_BODY',
      'c',
    ]);
  });

  it('fails the whole message when it is not a JSON array', () => {
    const error = failure(() =>
      httpBinding.toEvents(message({ 'content-type': 'application/cloudevents-batch+json' }, '{}')),
    );
    expect(error.code).toBe('KNMESH_CE_MALFORMED_BODY');
  });
});

describe('serialisation', () => {
  const base = { specversion: '1.0', id: 'r1', source: '/fn', type: 'dev.knmesh.function.output' } as const;

  it('writes binary mode: attributes in percent-encoded ce-* headers, JSON data as the body', () => {
    const written = httpBinding.binary({
      ...base,
      subject: 'a b',
      datacontenttype: 'application/json',
      data: { ü: 1 },
    });
    expect(written.headers['ce-subject']).toBe('a%20b');
    expect(written.headers['content-type']).toBe('application/json');
    expect(written.body).toBe('{"ü":1}');
    expect(written.headers['ce-data']).toBeUndefined();
  });

  it('writes bytes as they are and strings verbatim', () => {
    const bytes = Buffer.from([9, 8, 7]);
    expect(
      httpBinding.binary({ ...base, datacontenttype: 'application/octet-stream', data: bytes }).body,
    ).toEqual(bytes);
    expect(httpBinding.binary({ ...base, datacontenttype: 'text/plain', data: 'hi' }).body).toBe('hi');
  });

  it('refuses data JSON cannot represent', () => {
    expect(() => httpBinding.binary({ ...base, data: { n: 1n } })).toThrow(TypeError);
    expect(() => httpBinding.binary({ ...base, data: () => 1 })).toThrow(TypeError);
  });

  it('round-trips every mode through our parser and the SDK’s', () => {
    const events = [
      { ...base, id: 'j', datacontenttype: 'application/json', data: { a: 1 }, partitionkey: 'k' },
      { ...base, id: 't', datacontenttype: 'text/plain; charset=utf-8', data: 'text' },
      { ...base, id: 'b', datacontenttype: 'application/octet-stream', data: Buffer.from([1, 2, 3]) },
    ];
    for (const event of events) {
      for (const written of [httpBinding.binary(event), httpBinding.structured(event)]) {
        const body = typeof written.body === 'string' ? Buffer.from(written.body) : written.body;
        const ours = single({ headers: written.headers, body });
        expect([event.id, ours.data]).toEqual([event.id, event.data]);
        const sdk = HTTP.toEvent({
          headers: written.headers as Headers,
          body: written.body,
        }) as CloudEvent<unknown>;
        expect(sdk.validate()).toBe(true);
        expect(sdk.id).toBe(event.id);
      }
    }
    const batch = httpBinding.batch(events);
    expect(batch.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
    const parsed = httpBinding.toEvents({ headers: batch.headers, body: Buffer.from(batch.body as string) });
    expect(parsed.entries.map((e) => (e as CloudEvent<unknown>).data)).toEqual(events.map((e) => e.data));
    const sdk = HTTP.toEvent({
      headers: batch.headers as Headers,
      body: batch.body,
    }) as CloudEvent<unknown>[];
    expect(sdk.map((e) => e.id)).toEqual(['j', 't', 'b']);
  });
});
