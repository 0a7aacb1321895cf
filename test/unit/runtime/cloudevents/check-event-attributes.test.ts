import { CloudEvent, ValidationError } from 'cloudevents';
import { describe, expect, it } from 'vitest';
import { checkEventAttributes } from '../../../../runtime/cloudevents/check-event-attributes.ts';

const base = { specversion: '1.0', id: '1', source: '/s', type: 't' };

// Every case our explicit validation decides, against the SDK's own JSON-schema validation.
const cases: Array<Record<string, unknown>> = [
  base,
  { ...base, source: 'https://example.com/x?y=1#z' },
  { ...base, source: 'urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66' },
  { ...base, source: '/a%20b' },
  { ...base, source: '/a b' },
  { ...base, source: '/a%zz' },
  { ...base, source: '/a<b>' },
  { ...base, source: '' },
  { ...base, type: '' },
  { ...base, subject: '' },
  { ...base, time: '2026-01-02T03:04:05Z' },
  { ...base, time: '2026-01-02T03:04:05.123+02:00' },
  { ...base, time: '2026-01-02' },
  { ...base, time: 'yesterday' },
  { ...base, dataschema: 'https://schemas.example/x.json' },
  { ...base, dataschema: 'relative/path' },
  { ...base, myext: 'v', count: 3, flag: true },
  { ...base, 'my-ext': 'v' },
  { ...base, MyExt: 'v' },
];

describe('checkEventAttributes', () => {
  it('agrees with the SDK’s schema validation on every case', () => {
    for (const attributes of cases) {
      let sdkValid: boolean;
      try {
        sdkValid = new CloudEvent(attributes, false).validate();
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        sdkValid = false;
      }
      expect([attributes, checkEventAttributes(attributes) === undefined]).toEqual([attributes, sdkValid]);
    }
  });

  it('is stricter than the SDK where the CloudEvents type system is: extension values and integer range', () => {
    expect(checkEventAttributes({ ...base, ext: { a: 1 } })?.attribute).toBe('ext');
    expect(checkEventAttributes({ ...base, ext: 1.5 })?.attribute).toBe('ext');
    expect(checkEventAttributes({ ...base, ext: 2 ** 31 })?.attribute).toBe('ext');
    expect(checkEventAttributes({ ...base, datacontenttype: 'not a type' })?.attribute).toBe(
      'datacontenttype',
    );
    // The SDK's constructor replaces an empty id with a fresh UUID, so its validation never sees it.
    expect(checkEventAttributes({ ...base, id: '' })?.attribute).toBe('id');
  });

  it('names the missing attribute first', () => {
    expect(checkEventAttributes({ id: '1' })).toEqual({ attribute: 'specversion', rule: 'is required' });
    expect(checkEventAttributes({ ...base, specversion: '0.3' })?.rule).toMatch(/1\.0/);
  });
});
