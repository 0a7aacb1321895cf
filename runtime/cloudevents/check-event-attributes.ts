import { parseMediaType } from './media-type.ts';

/** The first rule an event breaks: which attribute, and what is wrong with it (safe to show a sender). */
export interface AttributeProblem {
  readonly attribute: string;
  readonly rule: string;
}

const NAME = /^[a-z0-9]+$/;
// RFC 3339 date-time (the CloudEvents Timestamp type).
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;
const REQUIRED = ['specversion', 'id', 'source', 'type'] as const;
// URI-reference (RFC 3986) characters: no whitespace, controls, <>"{}|\^` or stray % (as the SDK's schema).
// eslint-disable-next-line no-control-regex -- control characters are exactly what must be refused
const URI_REFERENCE = /^(?:[^\s\x00-\x1f\x7f<>"{}|\\^`%]|%[0-9A-Fa-f]{2})+$/;

/**
 * Checks the context attributes of a CloudEvent against CloudEvents 1.0 — explicitly, because the
 * SDK's parsers do not validate and its constructor invents `id` and `time` when they are missing.
 * `attributes` holds everything but `data`/`data_base64`; `null`/`undefined` values count as absent.
 * Returns undefined when the event is valid.
 */
export function checkEventAttributes(
  attributes: Readonly<Record<string, unknown>>,
): AttributeProblem | undefined {
  for (const name of REQUIRED) {
    const value = attributes[name];
    if (value === undefined || value === null) return { attribute: name, rule: 'is required' };
    if (typeof value !== 'string' || value === '')
      return { attribute: name, rule: 'must be a non-empty string' };
  }
  if (attributes['specversion'] !== '1.0') {
    return { attribute: 'specversion', rule: 'must be "1.0" (the only CloudEvents version supported)' };
  }
  for (const name of Object.keys(attributes)) {
    const value = attributes[name];
    if (value === undefined || value === null) continue;
    const problem = checkAttribute(name, value);
    if (problem !== undefined) return { attribute: clip(name), rule: problem };
  }
  return undefined;
}

function checkAttribute(name: string, value: unknown): string | undefined {
  switch (name) {
    case 'source':
      return URI_REFERENCE.test(value as string) ? undefined : 'must be a URI-reference';
    case 'specversion':
    case 'id':
    case 'type':
      return undefined; // checked above
    case 'time':
      if (value instanceof Date)
        return Number.isNaN(value.getTime()) ? 'must be a valid timestamp' : undefined;
      return typeof value === 'string' && isTimestamp(value) ? undefined : 'must be an RFC 3339 timestamp';
    case 'datacontenttype':
      return typeof value === 'string' && parseMediaType(value)
        ? undefined
        : 'must be a media type (RFC 2046)';
    case 'dataschema':
      return typeof value === 'string' && URI_REFERENCE.test(value) && URL.canParse(value)
        ? undefined
        : 'must be an absolute URI';
    case 'subject':
      return typeof value === 'string' && value !== '' ? undefined : 'must be a non-empty string';
    default:
      if (!NAME.test(name)) return 'is not a valid attribute name (lower-case letters and digits only)';
      return checkExtensionValue(value);
  }
}

function checkExtensionValue(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
        ? undefined
        : 'must be a 32-bit integer when it is a number';
    default:
      return value instanceof Date ? undefined : 'must be a string, an integer or a boolean';
  }
}

let lastValidTimestamp = '';

/** RFC 3339 syntax and a real calendar instant. */
export function isTimestamp(value: string): boolean {
  // The events of a batch mostly share their times: the last valid one is remembered.
  if (value === lastValidTimestamp) return true;
  if (!TIMESTAMP.test(value) || !Number.isFinite(Date.parse(value))) return false;
  lastValidTimestamp = value;
  return true;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
