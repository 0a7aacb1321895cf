import { TextDecoder } from 'node:util';
import { CloudEventsErrors } from './cloudevents-errors.ts';
import { isJsonMediaType, isTextMediaType, type MediaType } from './media-type.ts';

const UTF8_NAMES = new Set(['utf-8', 'utf8', 'us-ascii', 'ascii']);
const decoders = new Map<string, TextDecoder | null>();

/**
 * Turns body bytes into the data value a function sees, by media type: JSON (`application/json`,
 * `*+json`) is parsed, `text/*` becomes a string in its charset, anything else (or no content type)
 * stays a Buffer. An empty body is "no data" (undefined).
 */
export function decodeData(body: Buffer, mediaType: MediaType | undefined): unknown {
  if (body.length === 0) return undefined;
  if (mediaType === undefined) return body;
  const { essence, parameters } = mediaType;
  if (isJsonMediaType(essence)) return parseJson(body, parameters['charset']);
  if (isTextMediaType(essence)) return decodeText(body, parameters['charset']);
  return body;
}

/** JSON text in UTF-8 (RFC 8259 §8.1); a byte order mark is tolerated. */
export function parseJson(body: Buffer, charset?: string): unknown {
  if (charset !== undefined && !UTF8_NAMES.has(charset)) {
    throw CloudEventsErrors.unsupportedMediaType.create(`JSON must be UTF-8, not charset "${clip(charset)}"`);
  }
  const start = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  try {
    return JSON.parse(body.toString('utf8', start)) as unknown;
  } catch {
    throw CloudEventsErrors.malformedBody.create('the body is not valid JSON');
  }
}

function decodeText(body: Buffer, charset: string | undefined): string {
  if (charset === undefined || UTF8_NAMES.has(charset)) return body.toString('utf8');
  let decoder = decoders.get(charset);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(charset);
    } catch {
      decoder = null;
    }
    if (decoders.size < 64) decoders.set(charset, decoder);
  }
  if (decoder === null) {
    throw CloudEventsErrors.unsupportedMediaType.create(`unknown charset "${clip(charset)}"`);
  }
  return decoder.decode(body);
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
