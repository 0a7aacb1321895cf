import { describe, expect, it } from 'vitest';
import {
  decodeHeaderValue,
  encodeHeaderValue,
} from '../../../../runtime/cloudevents/header-value-encoding.ts';

describe('ce-* header value encoding (HTTP binding §3.1.3.2)', () => {
  it('leaves printable ASCII alone', () => {
    expect(encodeHeaderValue('persistent://public/default/in-1')).toBe('persistent://public/default/in-1');
  });

  it('percent-encodes space, double quote, percent and non-ASCII as UTF-8', () => {
    expect(encodeHeaderValue('a b')).toBe('a%20b');
    expect(encodeHeaderValue('say "hi"')).toBe('say%20%22hi%22');
    expect(encodeHeaderValue('100%')).toBe('100%25');
    expect(encodeHeaderValue('Zürich €')).toBe('Z%C3%BCrich%20%E2%82%AC');
    expect(encodeHeaderValue('{"k":"v"}')).toBe('{%22k%22:%22v%22}');
  });

  it('round-trips any string', () => {
    for (const value of ['', 'plain', 'a b', '%41', 'Zürich €', '{"k":"ü v"}', '\u{1F600}', 'tab\there']) {
      expect(decodeHeaderValue(encodeHeaderValue(value))).toBe(value);
    }
  });

  it('keeps a literal % from a sender that does not encode', () => {
    expect(decodeHeaderValue('100% sure')).toBe('100% sure');
  });

  it('re-decodes raw UTF-8 bytes that Node handed over as Latin-1', () => {
    const latin1 = Buffer.from('Zürich', 'utf8').toString('latin1');
    expect(decodeHeaderValue(latin1)).toBe('Zürich');
  });
});
