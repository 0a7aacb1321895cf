/**
 * Attribute values in binary-mode `ce-*` headers are percent-encoded (CloudEvents HTTP binding 1.0.2,
 * §3.1.3.2): space, `"`, `%` and every character outside printable ASCII, as UTF-8 bytes.
 * The cloudevents SDK does neither side, so a value such as `Zürich` or `a b` would otherwise not
 * survive the trip (Node rejects or mangles non-Latin-1 header values).
 */

const NEEDS_ENCODING = /[^\x21\x23\x24\x26-\x7e]/;

export function encodeHeaderValue(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x21 && code <= 0x7e && ch !== '"' && ch !== '%') {
      out += ch;
    } else {
      for (const byte of Buffer.from(ch, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

const NON_ASCII = /[\x80-\xff]/;

/**
 * Reverses `encodeHeaderValue`, tolerantly: a value that is not valid percent-encoding (a literal
 * `100%` from a sender that does not encode) is kept as it came, and raw UTF-8 bytes, which Node's
 * parser hands over as Latin-1, are re-decoded.
 */
export function decodeHeaderValue(raw: string): string {
  if (raw.includes('%')) {
    try {
      return decodeURIComponent(raw);
    } catch {
      return raw;
    }
  }
  if (NON_ASCII.test(raw)) return Buffer.from(raw, 'latin1').toString('utf8');
  return raw;
}
