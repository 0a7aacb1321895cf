import { describe, expect, it } from 'vitest';
import { classifyDeliveryStatus } from '../../../../runtime/cloudevents/classify-delivery-status.ts';
import { CloudEventsErrors } from '../../../../runtime/cloudevents/cloudevents-errors.ts';
import { HostErrors } from '../../../../runtime/host/host-errors.ts';

describe('classifyDeliveryStatus', () => {
  it('follows the Knative dispatcher: 2xx success; 5xx, 404, 408, 429 retry; other statuses dead-letter', () => {
    const table: Array<[number, string]> = [
      [200, 'success'],
      [204, 'success'],
      [404, 'retry'],
      [408, 'retry'],
      [429, 'retry'],
      [500, 'retry'],
      [503, 'retry'],
      [504, 'retry'],
      [301, 'dead-letter'],
      [400, 'dead-letter'],
      [405, 'dead-letter'],
      [409, 'dead-letter'],
      [413, 'dead-letter'],
      [415, 'dead-letter'],
      [422, 'dead-letter'],
    ];
    for (const [status, outcome] of table)
      expect([status, classifyDeliveryStatus(status)]).toEqual([status, outcome]);
  });

  it('agrees with every catalogue entry a host or binding answers over HTTP', () => {
    const entries = [...Object.values(HostErrors), ...Object.values(CloudEventsErrors)].filter(
      (e) => e.disposition !== 'fail' && e.code !== CloudEventsErrors.invalidBatchResults.code,
    );
    expect(entries.length).toBeGreaterThan(15);
    for (const entry of entries) {
      expect([entry.code, classifyDeliveryStatus(entry.status)]).toEqual([entry.code, entry.disposition]);
    }
  });

  it('never uses a status the bridge would retry for a sender mistake', () => {
    for (const entry of Object.values(CloudEventsErrors)) {
      if (entry.disposition === 'dead-letter') expect(entry.status).toBeGreaterThanOrEqual(400);
    }
  });
});
