import type { Component } from './component.ts';
import type { Diagnostics } from './diagnostics.ts';
import { findCredentialEnv } from './find-credential-keys.ts';

const RULE =
  'looks like a credential written inline: knmesh never writes credentials into manifests; use valueFrom.secretKeyRef or secretsMap';

/** Errors for credential-named env variables with inline values, in every container of the pod policy. */
export function reportInlineCredentials(c: Component, d: Diagnostics): void {
  const pod = c.spec.pod ?? {};
  const lists: [unknown, (string | number)[]][] = [[pod.env, [...c.specPath, 'pod', 'env']]];
  (pod.sidecars ?? []).forEach((sc, i) =>
    lists.push([sc['env'], [...c.specPath, 'pod', 'sidecars', i, 'env']]),
  );
  (pod.initContainers ?? []).forEach((ic, i) =>
    lists.push([ic['env'], [...c.specPath, 'pod', 'initContainers', i, 'env']]),
  );
  for (const [env, base] of lists) {
    for (const path of findCredentialEnv(env, base)) d.error({ path, rule: RULE, secret: true });
  }
}
