import { CloudEvent, type CloudEventV1 } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { httpBinding } from '../../../../runtime/cloudevents/http-binding.ts';
import {
  pulsarBinding,
  readPulsarEvents,
  type PulsarMessage,
} from '../../../../runtime/cloudevents/pulsar-binding.ts';
import {
  PULSAR_MESSAGE_EVENT_TYPE,
  toDeliveryEvent,
  type ConsumedPulsarMessage,
} from '../../../../runtime/cloudevents/pulsar-delivery-event.ts';
import { KnmeshError } from '../../../../runtime/errors/knmesh-error.ts';
import { messageMetadataOf } from '../../../../runtime/host/message-metadata.ts';
import { toCloudEvent } from '../../../../runtime/cloudevents/to-cloud-event.ts';

const BASE = { specversion: '1.0', id: 'e-1', source: '/tests', type: 'dev.knmesh.test' } as const;

function single(message: PulsarMessage): CloudEvent<unknown> {
  const { entries } = pulsarBinding.toEvents(message);
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

/** The attributes and data of an event, comparable across bindings. */
function comparable(event: CloudEventV1<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data_base64' || value === undefined) continue;
    out[name] = Buffer.isBuffer(value) ? `bytes:${value.toString('hex')}` : value;
  }
  return out;
}

// Events written by one side and read by the other must come back the same, in every mode.
const ROUND_TRIP: ReadonlyArray<[string, Record<string, unknown>]> = [
  ['text data', { ...BASE, datacontenttype: 'text/plain; charset=utf-8', data: 'hello wörld' }],
  ['JSON data', { ...BASE, datacontenttype: 'application/json', data: { a: [1, 2], b: 'x' } }],
  ['JSON data, +json type', { ...BASE, datacontenttype: 'application/vnd.x+json', data: [true, null] }],
  ['bytes', { ...BASE, datacontenttype: 'application/octet-stream', data: Buffer.from([0, 1, 254, 255]) }],
  ['no data', { ...BASE }],
  [
    'all optional attributes',
    { ...BASE, subject: 'sub', time: '2026-11-25T10:00:00.123Z', dataschema: 'https://x.test/s' },
  ],
  [
    'extensions of every type',
    { ...BASE, traceparent: '00-abc-def-01', count: 42, flag: true, note: 'Zürich "quoted" 100%' },
  ],
  ['partition key', { ...BASE, partitionkey: 'order-17', data: 'k', datacontenttype: 'text/plain' }],
];

describe('pulsarBinding: events written and read back', () => {
  it.each(ROUND_TRIP)('binary mode keeps %s', (_name, attributes) => {
    const event = eventOf(attributes);
    const message = pulsarBinding.binary(event);
    expect(pulsarBinding.mode(message)).toBe('binary');
    // Binary mode carries every attribute in its canonical string form (as HTTP and Kafka do).
    expect(comparable(single(message))).toEqual(asStrings(comparable(event)));
  });

  it.each(ROUND_TRIP)('structured mode keeps %s', (_name, attributes) => {
    const event = eventOf(attributes);
    const message = pulsarBinding.structured(event);
    expect(pulsarBinding.mode(message)).toBe('structured');
    expect(comparable(single(message))).toEqual(comparable(event));
  });

  it('batch mode keeps every event, in order', () => {
    const events = ROUND_TRIP.map(([, attributes]) => eventOf(attributes));
    const message = pulsarBinding.batch(events);
    expect(pulsarBinding.mode(message)).toBe('batch');
    const { mode, entries } = pulsarBinding.toEvents(message);
    expect(mode).toBe('batch');
    expect(entries.map((e) => comparable(e as CloudEvent<unknown>))).toEqual(events.map(comparable));
  });

  it.each(ROUND_TRIP)('reads %s exactly as the HTTP binding reads it', (_name, attributes) => {
    const event = eventOf(attributes);
    const overHttp = httpBinding.toEvents(httpBinding.binary(event)).entries[0] as CloudEvent<unknown>;
    expect(comparable(single(pulsarBinding.binary(event)))).toEqual(comparable(overHttp));
  });
});

describe('pulsarBinding: the wire form', () => {
  it('writes attributes as ce_ properties, datacontenttype as content-type, partitionkey as the key', () => {
    const message = pulsarBinding.binary(
      eventOf({ ...BASE, count: 3, partitionkey: 'k1', datacontenttype: 'application/json', data: { a: 1 } }),
    );
    expect(message).toEqual({
      payload: Buffer.from('{"a":1}'),
      key: 'k1',
      properties: {
        ce_specversion: '1.0',
        ce_id: 'e-1',
        ce_source: '/tests',
        ce_type: 'dev.knmesh.test',
        ce_count: '3',
        'content-type': 'application/json',
      },
    });
  });

  it('writes structured and batched messages with their event format as content-type', () => {
    const structured = pulsarBinding.structured(eventOf({ ...BASE, partitionkey: 'k', data: 'x' }));
    expect(structured.key).toBe('k');
    expect(structured.properties).toEqual({ 'content-type': 'application/cloudevents+json; charset=utf-8' });
    expect(JSON.parse(structured.payload.toString())).toEqual({ ...BASE, data: 'x' });
    const batch = pulsarBinding.batch([eventOf(BASE)]);
    expect(batch.properties).toEqual({ 'content-type': 'application/cloudevents-batch+json; charset=utf-8' });
  });

  it('reads what a Kafka-binding style producer writes, with the message key as partitionkey', () => {
    const event = single({
      payload: Buffer.from('{"n":1}'),
      key: 'the-key',
      properties: {
        ce_specversion: '1.0',
        ce_id: 'x',
        ce_source: 'urn:producer',
        ce_type: 't',
        ce_partitionkey: 'ignored',
        'content-type': 'application/json; charset=UTF-8',
        region: 'eu',
      },
    });
    expect(event.partitionkey).toBe('the-key');
    expect(event.data).toEqual({ n: 1 });
    expect(event.datacontenttype).toBe('application/json; charset=UTF-8');
    expect((event as unknown as Record<string, unknown>)['region']).toBeUndefined();
  });

  it('keeps the payload bytes when asked not to decode them (numbers JSON cannot hold survive)', () => {
    const payload = Buffer.from('{"big":12345678901234567890}');
    const { entries } = readPulsarEvents(
      {
        payload,
        properties: {
          ce_specversion: '1.0',
          ce_id: 'i',
          ce_source: '/s',
          ce_type: 't',
          'content-type': 'application/json',
        },
      },
      { decodeData: false },
    );
    expect((entries[0] as CloudEvent<unknown>).data).toBe(payload);
  });

  it('tells plain messages from CloudEvents and refuses what only looks like one', () => {
    expect(
      pulsarBinding.mode({ payload: Buffer.from('x'), properties: { 'content-type': 'text/plain' } }),
    ).toBeUndefined();
    expect(pulsarBinding.mode({ payload: Buffer.from('x') })).toBeUndefined();
    expect(failure(() => pulsarBinding.toEvents({ payload: Buffer.from('x') })).code).toBe(
      'KNMESH_CE_INVALID_EVENT',
    );

    const missingSource = failure(() =>
      pulsarBinding.toEvents({
        payload: Buffer.alloc(0),
        properties: { ce_specversion: '1.0', ce_id: 'i', ce_type: 't' },
      }),
    );
    expect([missingSource.code, missingSource.details]).toEqual([
      'KNMESH_CE_INVALID_EVENT',
      { attribute: 'source', rule: 'is required' },
    ]);
    const onlyId = failure(() =>
      pulsarBinding.toEvents({ payload: Buffer.alloc(0), properties: { ce_id: 'i' } }),
    );
    expect(onlyId.details).toEqual({ attribute: 'specversion', rule: 'is required' });

    const xml = failure(() =>
      pulsarBinding.mode({
        payload: Buffer.from('<e/>'),
        properties: { 'content-type': 'application/cloudevents+xml' },
      }),
    );
    expect([xml.code, xml.status]).toEqual(['KNMESH_CE_UNSUPPORTED_MEDIA_TYPE', 415]);

    const badJson = failure(() =>
      pulsarBinding.toEvents({
        payload: Buffer.from('{'),
        properties: { 'content-type': 'application/cloudevents+json' },
      }),
    );
    expect(badJson.code).toBe('KNMESH_CE_MALFORMED_BODY');
  });

  it('reports an invalid element of a batch message in its own entry', () => {
    const payload = Buffer.from(JSON.stringify([BASE, { ...BASE, id: '' }]));
    const { entries } = pulsarBinding.toEvents({
      payload,
      properties: { 'content-type': 'application/cloudevents-batch+json' },
    });
    expect(entries[0]).toBeInstanceOf(CloudEvent);
    expect((entries[1] as KnmeshError).code).toBe('KNMESH_CE_INVALID_EVENT');
  });
});

function consumed(overrides: Partial<ConsumedPulsarMessage> = {}): ConsumedPulsarMessage {
  return {
    payload: Buffer.from('hello'),
    key: undefined,
    properties: {},
    topic: 'persistent://public/default/orders-partition-3',
    messageId: { toString: () => '17:4:3:-1' },
    publishTime: Date.parse('2026-11-25T10:00:00.000Z'),
    eventTime: undefined,
    redeliveryCount: 0,
    ...overrides,
  };
}

describe('toDeliveryEvent', () => {
  it('synthesises the attributes of a plain message and adds the Pulsar extensions', () => {
    const event = toDeliveryEvent(
      consumed({ key: 'k1', properties: { region: 'eu', 'content-type': 'text/plain' }, redeliveryCount: 2 }),
    );
    expect(comparable(event)).toEqual({
      specversion: '1.0',
      id: '17:4:3:-1',
      source: '/knmesh/topics/public/default/orders',
      type: PULSAR_MESSAGE_EVENT_TYPE,
      time: '2026-11-25T10:00:00.000Z',
      datacontenttype: 'text/plain',
      data: `bytes:${Buffer.from('hello').toString('hex')}`,
      pulsartopic: 'persistent://public/default/orders-partition-3',
      pulsarmessageid: '17:4:3:-1',
      pulsarpublishtime: '2026-11-25T10:00:00.000Z',
      pulsarredeliverycount: 2,
      partitionkey: 'k1',
      pulsarproperties: '{"region":"eu","content-type":"text/plain"}',
    });
  });

  it('takes time from the event time when the producer set one, and leaves optional parts out', () => {
    const event = toDeliveryEvent(
      consumed({ eventTime: Date.parse('2026-01-01T00:00:00Z'), payload: Buffer.alloc(0) }),
    );
    expect(event.time).toBe('2026-01-01T00:00:00.000Z');
    const attributes = event as unknown as Record<string, unknown>;
    expect(attributes['pulsareventtime']).toBe('2026-01-01T00:00:00.000Z');
    expect(event.data).toBeUndefined();
    expect(event.datacontenttype).toBeUndefined();
    expect(attributes['partitionkey']).toBeUndefined();
    expect(attributes['pulsarproperties']).toBeUndefined();
  });

  it('delivers a CloudEvent message as that event, its payload bytes untouched, plus the extensions', () => {
    const payload = Buffer.from('{"n": 1.0}');
    const event = toDeliveryEvent(
      consumed({
        payload,
        key: 'k',
        properties: {
          ce_specversion: '1.0',
          ce_id: 'order-1',
          ce_source: 'urn:shop',
          ce_type: 'order.created',
          'content-type': 'application/json',
          tenant: 'acme',
        },
      }),
    );
    const attributes = event as unknown as Record<string, unknown>;
    expect([event.id, event.source, event.type, event.data]).toEqual([
      'order-1',
      'urn:shop',
      'order.created',
      payload,
    ]);
    expect(attributes['pulsarproperties']).toBe('{"tenant":"acme"}');
    expect(attributes['partitionkey']).toBe('k');
    // What the function host reads from it: the bridge and the host agree on the contract.
    const metadata = messageMetadataOf(toCloudEvent({ ...attributes, data: undefined }, undefined));
    expect(metadata).toMatchObject({
      topic: 'persistent://public/default/orders-partition-3',
      messageId: '17:4:3:-1',
      key: 'k',
      properties: { tenant: 'acme' },
      redeliveryCount: 0,
    });
  });

  it('refuses a message that claims to be a CloudEvent but is not a valid one, and batch messages', () => {
    expect(failure(() => toDeliveryEvent(consumed({ properties: { ce_specversion: '1.0' } }))).code).toBe(
      'KNMESH_CE_INVALID_EVENT',
    );
    const batch = failure(() =>
      toDeliveryEvent(
        consumed({
          payload: Buffer.from('[]'),
          properties: { 'content-type': 'application/cloudevents-batch+json' },
        }),
      ),
    );
    expect(batch.code).toBe('KNMESH_CE_MALFORMED_BODY');
  });

  it('produces events the HTTP binding carries to the host and the host accepts', () => {
    for (const message of [
      consumed({ properties: { 'content-type': 'application/json' }, payload: Buffer.from('{"a":1}') }),
      consumed({ key: 'ключ', properties: { 'naïve key': 'välue "q" %' } }),
    ]) {
      const event = toDeliveryEvent(message);
      const received = httpBinding.toEvents(httpBinding.binary(event)).entries[0] as CloudEvent<unknown>;
      expect(received.validate()).toBe(true);
      // A plain message's properties all travel, content-type included.
      expect(messageMetadataOf(received).properties).toEqual(message.properties);
      expect(messageMetadataOf(received).key).toBe(message.key);
    }
  });
});

function asStrings(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(attributes).map(([k, v]) => [k, k !== 'data' && typeof v !== 'string' ? String(v) : v]),
  );
}

function eventOf(attributes: Record<string, unknown>): CloudEvent<unknown> {
  const { data, ...rest } = attributes;
  return toCloudEvent(rest, data);
}
