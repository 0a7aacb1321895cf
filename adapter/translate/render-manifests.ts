import { canonicalObject } from './canonical-object.ts';
import type { KubernetesObject } from './kubernetes-object.ts';
import { toYaml } from './to-yaml.ts';

export type OutputFormat = 'yaml' | 'json';

/**
 * Serialises objects for `kubectl apply -f -`: multi-document YAML, or one JSON `List`. Keys are in
 * canonical order, so equal input gives byte-identical output.
 */
export function renderManifests(objects: readonly KubernetesObject[], format: OutputFormat): string {
  const items = objects.map(canonicalObject);
  if (format === 'json') {
    return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2)}\n`;
  }
  // No anchors/aliases for shared sub-objects, no line folding: plain, diff-friendly YAML.
  return items.map((item) => `---\n${toYaml(item as object)}`).join('');
}
