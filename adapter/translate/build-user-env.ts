import { checkEnv, isReservedEnvName } from './check-knative-container.ts';
import type { Component } from './component.ts';
import type { Diagnostics, FieldPath } from './diagnostics.ts';

export interface GeneratedEnv {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: Readonly<Record<string, unknown>>;
  /** The field the value comes from, named when user env collides with it. */
  readonly from: string;
}

/**
 * The env of the user's container: what knmesh generates, then `secretsMap` (each key an env
 * variable from a Secret key, as Function Mesh's EnvironmentBasedSecretsProvider does), then
 * `spec.pod.env`. A name defined twice is an error. In a Knative revision (`knative`), PORT and K_*
 * are reserved.
 */
export function buildUserEnv(
  c: Component,
  generated: readonly GeneratedEnv[],
  knative: boolean,
  d: Diagnostics,
  strict: boolean,
): Record<string, unknown>[] {
  const at = (...p: (string | number)[]) => [...c.specPath, ...p];
  const env: Record<string, unknown>[] = [];
  const owner = new Map<string, string>();
  for (const g of generated) {
    env.push({
      name: g.name,
      ...(g.value === undefined ? {} : { value: g.value }),
      ...(g.valueFrom ? { valueFrom: g.valueFrom } : {}),
    });
    owner.set(g.name, g.from);
  }
  const claim = (name: string, path: FieldPath, from: string): boolean => {
    const earlier = owner.get(name);
    if (earlier !== undefined) {
      d.error({ path, rule: `${name} is already set from ${earlier}`, value: name });
      return false;
    }
    owner.set(name, from);
    return true;
  };

  for (const [key, ref] of Object.entries(c.spec.secretsMap ?? {})) {
    const path = at('secretsMap', key);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) {
      d.error({ path, rule: 'must be a valid environment variable name (it becomes one)', value: key });
      continue;
    }
    if (knative && isReservedEnvName(key, 'serving')) {
      d.error({ path, rule: 'PORT and K_* variables are reserved by Knative', value: key });
      continue;
    }
    if (ref.path === undefined || ref.path === '' || ref.key === undefined || ref.key === '') {
      d.error({ path, rule: 'needs path (the Secret name) and key (the key in the Secret)' });
      continue;
    }
    if (!claim(key, path, `spec.secretsMap`)) continue;
    env.push({ name: key, valueFrom: { secretKeyRef: { name: ref.path, key: ref.key } } });
  }

  const podEnv = c.spec.pod?.env ?? [];
  if (knative) checkEnv(podEnv, at('pod', 'env'), 'serving', d, strict);
  podEnv.forEach((item, i) => {
    const name = item['name'] as string;
    if (knative && isReservedEnvName(name, 'serving')) return; // reported by checkEnv
    if (claim(name, at('pod', 'env', i, 'name'), 'spec.pod.env')) env.push({ ...item });
  });
  return env;
}
