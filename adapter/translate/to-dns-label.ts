import { createHash } from 'node:crypto';

/**
 * A DNS-1035 label (lower-case letters, digits and `-`, starting with a letter, ending with a letter
 * or digit) of at most `maxLength` characters. A name that already is one is returned unchanged;
 * otherwise it is sanitised, cut, and suffixed with 8 hex digits of the SHA-256 of the original,
 * so the result is stable and two different names do not collide.
 */
export function toDnsLabel(name: string, maxLength = 63): string {
  if (name.length <= maxLength && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  const sanitised = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '');
  const head = sanitised.slice(0, maxLength - hash.length - 1).replace(/-+$/, '');
  return head === '' ? `x-${hash}` : `${head}-${hash}`;
}

/**
 * `<label of name>-<suffix>` in at most `maxLength` characters: the name is shortened (with its hash)
 * before the suffix, so every object generated for one component keeps the same recognisable base.
 */
export function toDnsLabelWithSuffix(name: string, suffix: string, maxLength = 63): string {
  return `${toDnsLabel(name, maxLength - suffix.length - 1)}-${suffix}`;
}
