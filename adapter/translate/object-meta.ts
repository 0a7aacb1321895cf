import type { Component } from './component.ts';
import type { ObjectMeta } from './kubernetes-object.ts';
import { AUTOSCALING_PREFIX } from './check-knative-autoscaling.ts';
import { KNMESH_PREFIX } from './knmesh-settings.ts';
import { toDnsLabel } from './to-dns-label.ts';

export type Role = 'function' | 'bridge' | 'sink' | 'source' | 'ingress';

// Annotations that describe the Function Mesh object itself and must not be copied: kubectl's
// last-applied copy of the whole object (it may even hold inline credentials).
const NOT_COPIED = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

/** Selector labels of a generated workload: stable for the life of the object. */
export function selectorLabels(c: Component, role: Role): Record<string, string> {
  return { 'app.kubernetes.io/name': toDnsLabel(c.name), 'app.kubernetes.io/component': role };
}

/** Labels of every generated object: the Function Mesh object's labels plus the recommended ones. */
export function objectLabels(c: Component, role: Role): Record<string, string> {
  return {
    ...c.labels,
    ...selectorLabels(c, role),
    'app.kubernetes.io/part-of': toDnsLabel(c.partOf),
    'app.kubernetes.io/managed-by': 'knmesh',
  };
}

/** The Function Mesh object's annotations that carry over to generated objects. */
export function copiedAnnotations(c: Component): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(c.annotations)) {
    if (key.startsWith(KNMESH_PREFIX) || key.startsWith(AUTOSCALING_PREFIX) || NOT_COPIED.has(key)) continue;
    out[key] = value;
  }
  return out;
}

export function objectMeta(
  c: Component,
  name: string,
  role: Role,
  extraLabels?: Record<string, string>,
): ObjectMeta {
  const annotations = copiedAnnotations(c);
  return {
    name,
    ...(c.namespace === undefined ? {} : { namespace: c.namespace }),
    labels: { ...objectLabels(c, role), ...extraLabels },
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}
