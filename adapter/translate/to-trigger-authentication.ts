import type { KubernetesObject, ObjectMeta } from './kubernetes-object.ts';

export interface TriggerAuthenticationPlan {
  readonly metadata: ObjectMeta;
  /** Secret and key of the raw admin token KEDA sends as `Authorization: Bearer`. */
  readonly token: { readonly secret: string; readonly key: string };
  /** Secret and key of a CA certificate for an https admin URL. */
  readonly ca: { readonly secret: string; readonly key: string } | undefined;
}

/**
 * KEDA TriggerAuthentication for the pulsar triggers: references to Secret keys only, never a
 * value. KEDA honours `ca` only when an auth mode is set, which `bearer` is.
 */
export function toTriggerAuthentication(plan: TriggerAuthenticationPlan): KubernetesObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: plan.metadata,
    spec: {
      secretTargetRef: [
        { parameter: 'bearerToken', name: plan.token.secret, key: plan.token.key },
        ...(plan.ca === undefined ? [] : [{ parameter: 'ca', name: plan.ca.secret, key: plan.ca.key }]),
      ],
    },
  };
}
