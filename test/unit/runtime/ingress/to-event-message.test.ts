import { describe, expect, it } from 'vitest';
import { pulsarBinding } from '../../../../runtime/cloudevents/pulsar-binding.ts';
import { toCloudEvent } from '../../../../runtime/cloudevents/to-cloud-event.ts';
import { toEventMessage } from '../../../../runtime/ingress/to-event-message.ts';

const BASE = { specversion: '1.0', id: 'e', source: '/s', type: 't' };

describe('toEventMessage', () => {
  it('keeps a binary-mode body byte for byte, with the attributes as ce_ properties and the key', () => {
    const body = Buffer.from('{"n": 1.0}');
    const event = toCloudEvent({ ...BASE, datacontenttype: 'application/json', partitionkey: 'k' }, { n: 1 });
    const message = toEventMessage(event, body);
    expect(message.payload.equals(body)).toBe(true);
    expect(message.key).toBe('k');
    expect(message.properties).toEqual({
      ce_specversion: '1.0',
      ce_id: 'e',
      ce_source: '/s',
      ce_type: 't',
      'content-type': 'application/json',
    });
  });

  it('writes JSON-format data as the reply contract says, naming JSON when the event named no type', () => {
    const cases: [Record<string, unknown>, unknown, string, string | undefined][] = [
      [{}, { a: 1 }, '{"a":1}', 'application/json'],
      [{ datacontenttype: 'text/plain' }, 'hi', 'hi', 'text/plain'],
      [{}, Buffer.from([1, 2]), '0102', undefined],
      [{}, undefined, '', undefined],
    ];
    for (const [attributes, data, payload, contentType] of cases) {
      const message = toEventMessage(toCloudEvent({ ...BASE, ...attributes }, data), undefined);
      const hex = Buffer.isBuffer(data) ? message.payload.toString('hex') : message.payload.toString();
      expect([hex, message.properties?.['content-type']]).toEqual([payload, contentType]);
    }
  });

  it('reads back as the same event through the Pulsar binding', () => {
    const event = toCloudEvent({ ...BASE, subject: 'x', datacontenttype: 'application/json' }, [1, 2]);
    const [back] = pulsarBinding.toEvents(toEventMessage(event, undefined)).entries;
    expect(back).toMatchObject({ ...BASE, subject: 'x', data: [1, 2] });
  });
});
