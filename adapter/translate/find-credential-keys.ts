import type { FieldPath } from './diagnostics.ts';

// Last words of a key that name a credential: `password`, `dbPassword`, `auth.token`, `api_key`.
const SINGLE = new Set([
  'password',
  'passwd',
  'pwd',
  'secret',
  'token',
  'credential',
  'credentials',
  'apikey',
]);
const PAIRS = new Set(['api key', 'access key', 'private key', 'secret key', 'client secret', 'auth token']);

function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/** Whether a configuration key names a credential, judged by its last word(s). */
export function looksLikeCredential(key: string): boolean {
  const w = words(key);
  const last = w.at(-1) ?? '';
  return SINGLE.has(last) || PAIRS.has(w.slice(-2).join(' '));
}

/**
 * Paths of the keys in a free-form configuration (funcConfig, sinkConfig, sourceConfig, nested
 * objects included) whose name says they hold a credential. Such values would land in a manifest
 * as plain text; secretsMap puts them in env from a Secret instead.
 */
export function findCredentialKeys(config: unknown, base: FieldPath): FieldPath[] {
  const out: FieldPath[] = [];
  const visit = (node: unknown, path: FieldPath) => {
    if (Array.isArray(node)) node.forEach((item, i) => visit(item, [...path, i]));
    else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (looksLikeCredential(key) && typeof value !== 'object') out.push([...path, key]);
        else visit(value, [...path, key]);
      }
    }
  };
  visit(config, base);
  return out;
}

/**
 * Paths of env entries (`[{name, value}]`) whose name says credential and whose value is written
 * inline: in a manifest it would be plain text; `valueFrom.secretKeyRef` is the way.
 */
export function findCredentialEnv(env: unknown, base: FieldPath): FieldPath[] {
  if (!Array.isArray(env)) return [];
  const out: FieldPath[] = [];
  env.forEach((item: unknown, i) => {
    const entry = item as { name?: unknown; value?: unknown };
    if (
      typeof entry.name === 'string' &&
      typeof entry.value === 'string' &&
      entry.value !== '' &&
      looksLikeCredential(entry.name)
    ) {
      out.push([...base, i, 'value']);
    }
  });
  return out;
}
