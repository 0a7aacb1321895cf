import type { KubernetesObject, ObjectMeta } from './kubernetes-object.ts';

export interface ScaledObjectPlan {
  readonly metadata: ObjectMeta;
  /** The bridge Deployment and its container (KEDA resolves `adminURLFromEnv` there). */
  readonly deployment: string;
  readonly container: string;
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number | undefined;
  readonly pollingInterval: number;
  readonly cooldownPeriod: number;
  readonly behavior: Readonly<Record<string, unknown>> | undefined;
  readonly triggers: readonly {
    readonly topic: string;
    readonly partitioned: boolean;
  }[];
  readonly subscription: string;
  readonly backlogThreshold: number;
  readonly activationBacklogThreshold: number;
  /** Name of the TriggerAuthentication, when the admin API needs credentials. */
  readonly authentication: string | undefined;
  /** Env variable of the bridge container holding the admin URL (the Pulsar ConfigMap key). */
  readonly adminUrlEnv: string;
}

/**
 * The KEDA ScaledObject that scales a bridge Deployment on the backlog of its subscription: one
 * `pulsar` trigger per input topic, with the bridge's exact subscription name (ADR 0005).
 */
export function toScaledObject(plan: ScaledObjectPlan): KubernetesObject {
  return {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: plan.metadata,
    spec: {
      scaleTargetRef: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: plan.deployment,
        envSourceContainerName: plan.container,
      },
      pollingInterval: plan.pollingInterval,
      cooldownPeriod: plan.cooldownPeriod,
      minReplicaCount: plan.minReplicaCount,
      ...(plan.maxReplicaCount === undefined ? {} : { maxReplicaCount: plan.maxReplicaCount }),
      ...(plan.behavior === undefined
        ? {}
        : { advanced: { horizontalPodAutoscalerConfig: { behavior: plan.behavior } } }),
      triggers: plan.triggers.map((t) => ({
        type: 'pulsar',
        metadata: {
          adminURLFromEnv: plan.adminUrlEnv,
          topic: t.topic,
          subscription: plan.subscription,
          msgBacklogThreshold: String(plan.backlogThreshold),
          activationMsgBacklogThreshold: String(plan.activationBacklogThreshold),
          ...(t.partitioned ? { isPartitionedTopic: 'true' } : {}),
          ...(plan.authentication === undefined ? {} : { authModes: 'bearer' }),
        },
        ...(plan.authentication === undefined ? {} : { authenticationRef: { name: plan.authentication } }),
      })),
    },
  };
}
