// Plain scalars that read back as the same string in YAML 1.2 and in the YAML 1.1 of go-yaml
// (kubectl): start with a letter or `/`, no spaces, no indicators, not a 1.1 boolean or null.
const PLAIN = /^[A-Za-z_/][\w./@:$()=+,-]*$/;
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;
// Kubernetes quantities (`256Mi`, `100m`) are no number or timestamp in either YAML version.
const QUANTITY = /^\d+(\.\d+)?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)$/;
// Single quotes keep everything literal; `'` itself and control characters would need escapes.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const SINGLE_QUOTABLE = /^[^'\x00-\x1f\x7f]*$/;

function scalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write ${value} as YAML`);
    return String(value);
  }
  if (typeof value === 'string') {
    if ((PLAIN.test(value) && !RESERVED.test(value) && !value.endsWith(':')) || QUANTITY.test(value))
      return value;
    const json = JSON.stringify(value);
    // "4", "true": double quotes when nothing needs escaping; '{"a":1}' rather than "{\"a\":1}".
    return json === `"${value}"` || !SINGLE_QUOTABLE.test(value) ? json : `'${value}'`;
  }
  throw new Error(`cannot write a ${typeof value} as YAML`);
}

const isCollection = (v: unknown): v is object => typeof v === 'object' && v !== null;
const isEmpty = (v: object) => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

function block(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (Array.isArray(item) || !isCollection(item) || isEmpty(item)) {
        // Nested sequences are rare in manifests: JSON flow style is valid YAML.
        out.push(`${indent}- ${isCollection(item) ? JSON.stringify(item) : scalar(item)}\n`);
        continue;
      }
      const lines: string[] = [];
      block(item, `${indent}  `, lines);
      out.push(`${indent}- ${lines.join('').slice(indent.length + 2)}`);
    }
    return;
  }
  for (const [key, item] of Object.entries(value as object)) {
    if (item === undefined) continue;
    const k = scalar(key);
    if (!isCollection(item)) out.push(`${indent}${k}: ${scalar(item)}\n`);
    else if (isEmpty(item)) out.push(`${indent}${k}: ${Array.isArray(item) ? '[]' : '{}'}\n`);
    else {
      out.push(`${indent}${k}:\n`);
      block(item, `${indent}  `, out);
    }
  }
}

/**
 * One YAML document for a JSON value, in block style with kubectl's usual layout. Strings are
 * written plain only when that cannot change their type or value, else single-quoted, else
 * double-quoted (JSON strings are valid YAML). Much faster than a general YAML serialiser, which matters at 1,000
 * Functions; a unit test reads every output back and compares.
 */
export function toYaml(value: object): string {
  const out: string[] = [];
  block(value, '', out);
  return out.join('');
}
