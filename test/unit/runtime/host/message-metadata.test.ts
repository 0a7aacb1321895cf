import { CloudEvent } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import type { KnmeshError } from '../../../../runtime/errors/knmesh-error.ts';
import { messageMetadataOf, NO_MESSAGE } from '../../../../runtime/host/message-metadata.ts';

const event = (extensions: Record<string, unknown>): CloudEvent<unknown> =>
  new CloudEvent({ id: '1', source: '/s', type: 't', ...extensions }, false);

describe('messageMetadataOf', () => {
  it('reads the bridge’s extensions, binary-mode strings included', () => {
    const metadata = messageMetadataOf(
      event({
        pulsartopic: 'persistent://public/default/in-partition-0',
        pulsarmessageid: '12:3:0:-1',
        partitionkey: 'k',
        pulsarproperties: '{"a":"1","b":"two"}',
        pulsarpublishtime: '2026-01-02T03:04:05.006Z',
        pulsareventtime: '2026-01-02T03:04:00Z',
        pulsarredeliverycount: '2',
      }),
    );
    expect(metadata).toEqual({
      topic: 'persistent://public/default/in-partition-0',
      messageId: '12:3:0:-1',
      key: 'k',
      properties: { a: '1', b: 'two' },
      publishTime: new Date('2026-01-02T03:04:05.006Z'),
      eventTime: new Date('2026-01-02T03:04:00Z'),
      redeliveryCount: 2,
    });
    expect(messageMetadataOf(event({ pulsarredeliverycount: 3 })).redeliveryCount).toBe(3);
  });

  it('is empty for an event that did not come through the bridge', () => {
    expect(messageMetadataOf(event({}))).toBe(NO_MESSAGE);
    expect(NO_MESSAGE.properties).toEqual({});
  });

  it('refuses malformed values of our own contract as invalid events', () => {
    for (const bad of [
      { pulsarredeliverycount: '-1' },
      { pulsarredeliverycount: 'x' },
      { pulsarproperties: '["a"]' },
      { pulsarproperties: '{"a":1}' },
      { pulsarproperties: 'nope' },
      { pulsarpublishtime: 'yesterday' },
      { pulsartopic: 7 },
    ]) {
      let error: unknown;
      try {
        messageMetadataOf(event(bad));
      } catch (e) {
        error = e;
      }
      expect([bad, (error as KnmeshError | undefined)?.code]).toEqual([bad, 'KNMESH_CE_INVALID_EVENT']);
    }
  });
});
