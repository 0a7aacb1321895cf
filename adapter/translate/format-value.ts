import { looksLikeCredential } from './find-credential-keys.ts';

const LIMIT = 80;

// Values under credential-named keys (and inline env values of credential-named variables) are
// masked, so showing a rejected block never shows a password inside it.
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const credentialEnv = typeof object['name'] === 'string' && looksLikeCredential(object['name']);
  for (const [key, item] of Object.entries(object)) {
    const hidden =
      (looksLikeCredential(key) || (credentialEnv && key === 'value')) && typeof item !== 'object';
    out[key] = hidden ? '(hidden)' : redact(item);
  }
  return out;
}

/**
 * How a value appears in a message: JSON, so strings are quoted and types are visible, cut to a
 * readable length (a whole rejected block is not worth repeating), credentials inside masked.
 */
export function formatValue(value: unknown): string {
  const json = JSON.stringify(redact(value)) ?? String(value);
  return json.length <= LIMIT ? json : `${json.slice(0, LIMIT - 3)}...`;
}
