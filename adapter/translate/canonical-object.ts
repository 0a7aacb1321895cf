const FIRST = ['apiVersion', 'kind', 'metadata', 'name', 'namespace'];

function rank(key: string): number {
  const i = FIRST.indexOf(key);
  return i === -1 ? FIRST.length : i;
}

/**
 * A deep copy with a stable key order: `apiVersion`, `kind`, `metadata`, `name`, `namespace` first, the rest
 * sorted; arrays keep their order; undefined values dropped. Output then depends on content only.
 */
export function canonicalObject(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalObject);
  if (typeof value !== 'object' || value === null) return value;
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = canonicalObject((value as Record<string, unknown>)[key]);
  return out;
}
