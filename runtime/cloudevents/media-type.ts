/** A parsed `Content-Type`: the essence (`type/subtype`, lower-case) and its parameters. */
export interface MediaType {
  /** `type/subtype` in lower case, parameters removed. */
  readonly essence: string;
  /** Parameter names in lower case; the `charset` value in lower case too. */
  readonly parameters: Readonly<Record<string, string>>;
}

export const MEDIA_TYPE_JSON = 'application/json';
export const MEDIA_TYPE_OCTET_STREAM = 'application/octet-stream';
export const MEDIA_TYPE_TEXT_UTF8 = 'text/plain; charset=utf-8';
/** Structured content mode (JSON event format). */
export const MEDIA_TYPE_CE_JSON = 'application/cloudevents+json';
/** Batched content mode (JSON batch format). */
export const MEDIA_TYPE_CE_BATCH_JSON = 'application/cloudevents-batch+json';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CACHE_LIMIT = 256;
// A workload sends a handful of distinct Content-Type values; parsing each once keeps the hot path cheap.
const cache = new Map<string, MediaType | null>();

/**
 * Parses a `Content-Type` value tolerantly: any case, optional whitespace, any parameters
 * (`application/cloudevents+json; charset=UTF-8`). Returns undefined for an absent header and
 * null for one that is not a media type at all.
 */
export function parseMediaType(header: string | undefined): MediaType | undefined | null {
  if (header === undefined || header === '') return undefined;
  const cached = cache.get(header);
  if (cached !== undefined) return cached;
  const parsed = parse(header);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(header, parsed);
  return parsed;
}

function parse(header: string): MediaType | null {
  const semicolon = header.indexOf(';');
  const essence = (semicolon === -1 ? header : header.slice(0, semicolon)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0 || !TOKEN.test(essence.slice(0, slash)) || !TOKEN.test(essence.slice(slash + 1))) {
    return null;
  }
  const parameters: Record<string, string> = {};
  if (semicolon !== -1) {
    for (const part of splitParameters(header.slice(semicolon + 1))) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue; // RFC 9110 says ignore what does not parse
      const name = part.slice(0, eq).trim().toLowerCase();
      let value = part.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
        value = value.slice(1, -1).replace(/\\(.)/g, '$1');
      }
      if (!TOKEN.test(name)) continue;
      parameters[name] = name === 'charset' ? value.toLowerCase() : value;
    }
  }
  return Object.freeze({ essence, parameters: Object.freeze(parameters) });
}

/** Splits `a=1; b="x;y"` on semicolons outside quoted strings. */
function splitParameters(text: string): string[] {
  if (!text.includes('"')) return text.split(';');
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && quoted && i + 1 < text.length) {
      current += c + text[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

/** `application/json` and every `+json` structured syntax suffix (RFC 6839). */
export function isJsonMediaType(essence: string): boolean {
  return essence === MEDIA_TYPE_JSON || essence.endsWith('+json');
}

export function isTextMediaType(essence: string): boolean {
  return essence.startsWith('text/');
}
