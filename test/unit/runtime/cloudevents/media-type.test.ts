import { describe, expect, it } from 'vitest';
import {
  isJsonMediaType,
  isTextMediaType,
  parseMediaType,
} from '../../../../runtime/cloudevents/media-type.ts';

describe('parseMediaType', () => {
  it('tolerates case, spacing and parameters that exact-match lookups reject', () => {
    for (const header of [
      'application/cloudevents+json; charset=utf-8',
      'application/cloudevents+json;charset=UTF-8',
      'Application/CloudEvents+JSON ;  Charset="utf-8"',
    ]) {
      expect(parseMediaType(header)).toEqual({
        essence: 'application/cloudevents+json',
        parameters: { charset: 'utf-8' },
      });
    }
  });

  it('keeps parameters, unquoting quoted strings with semicolons inside', () => {
    expect(parseMediaType('text/plain; format="a;b"; q=1')?.parameters).toEqual({ format: 'a;b', q: '1' });
  });

  it('answers undefined for an absent header and null for one that is not a media type', () => {
    expect(parseMediaType(undefined)).toBeUndefined();
    expect(parseMediaType('')).toBeUndefined();
    for (const bad of ['json', 'text/', '/plain', 'a b/c', 'text/pl ain'])
      expect(parseMediaType(bad)).toBeNull();
  });

  it('returns frozen values, so a cached parse cannot be changed by a caller', () => {
    const parsed = parseMediaType('application/json')!;
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.parameters)).toBe(true);
  });
});

describe('media type families', () => {
  it('recognises JSON by essence and +json suffix', () => {
    expect(isJsonMediaType('application/json')).toBe(true);
    expect(isJsonMediaType('application/vnd.api+json')).toBe(true);
    expect(isJsonMediaType('application/jsonx')).toBe(false);
    expect(isJsonMediaType('text/json-ish')).toBe(false);
  });

  it('recognises text/*', () => {
    expect(isTextMediaType('text/csv')).toBe(true);
    expect(isTextMediaType('application/text')).toBe(false);
  });
});
