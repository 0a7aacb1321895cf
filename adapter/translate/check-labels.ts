import type { Diagnostics, FieldPath } from './diagnostics.ts';

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Kubernetes label syntax: `[prefix/]name` keys and values of at most 63 characters. */
export function checkLabels(
  labels: Readonly<Record<string, unknown>> | undefined,
  path: FieldPath,
  d: Diagnostics,
): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const slash = key.lastIndexOf('/');
    const prefix = slash === -1 ? undefined : key.slice(0, slash);
    const name = slash === -1 ? key : key.slice(slash + 1);
    if (
      (prefix !== undefined && (!PREFIX.test(prefix) || prefix.length > 253)) ||
      !NAME.test(name) ||
      name.length > 63
    ) {
      d.error({
        path: [...path, key],
        rule: 'is not a valid label key ([prefix/]name, name at most 63 characters)',
      });
    }
    if (typeof value === 'string' && (!VALUE.test(value) || value.length > 63)) {
      d.error({
        path: [...path, key],
        rule: 'is not a valid label value (at most 63 letters, digits, -, _ or ., alphanumeric at both ends)',
        value,
      });
    }
  }
}
