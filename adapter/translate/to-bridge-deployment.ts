import { BRIDGE_ROUTES } from '../../runtime/bridge/bridge-routes.ts';
import { containerSecurity } from './container-security.ts';
import type { KubernetesObject, ObjectMeta } from './kubernetes-object.ts';

export const BRIDGE_CONTAINER = 'bridge';

/**
 * V8 flags of the bridge process: a young generation of 2 × 8 MiB. V8 sizes it from the machine's
 * memory (up to 2 × 64 MiB), which alone would take half of the bridge's memory limit; the bridge's
 * garbage is short-lived, and `npm run bench:bridge` measures it with this setting.
 */
export const BRIDGE_NODE_OPTIONS = '--max-semi-space-size=8';

/**
 * Environment of the bridge process besides its options: the V8 flags above, and two glibc malloc
 * arenas instead of one per thread (less fragmentation of the many short-lived buffers; about 10 MB
 * less RSS under load in `npm run bench:bridge`).
 */
export const BRIDGE_PROCESS_ENV: readonly { readonly name: string; readonly value: string }[] = [
  { name: 'NODE_OPTIONS', value: BRIDGE_NODE_OPTIONS },
  { name: 'MALLOC_ARENA_MAX', value: '2' },
];

export interface BridgeDeploymentPlan {
  readonly metadata: ObjectMeta;
  readonly selector: Readonly<Record<string, string>>;
  readonly podLabels: Readonly<Record<string, string>>;
  /** Undefined for a bridge KEDA scales: the API server's default (1) starts it, and a later apply leaves KEDA's count alone. */
  readonly replicas: number | undefined;
  readonly image: string;
  readonly env: readonly Record<string, unknown>[];
  readonly envFrom: readonly Record<string, unknown>[];
  readonly volumes: readonly Record<string, unknown>[];
  readonly volumeMounts: readonly Record<string, unknown>[];
  /** Port of the bridge's /healthz, /readyz and /metrics. */
  readonly port: number;
}

/**
 * The bridge Deployment (`knmesh bridge`). It starts with one replica (a Deployment without
 * `replicas` gets 1) so that the first bridge creates the subscription KEDA needs before it may scale
 * to zero (ADR 0006); leaving the field out keeps a re-apply from resetting what KEDA decided. The bridge talks to
 * Pulsar and the function only, so it gets no service account token.
 */
export function toBridgeDeployment(plan: BridgeDeploymentPlan): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: plan.metadata,
    spec: {
      ...(plan.replicas === undefined ? {} : { replicas: plan.replicas }),
      selector: { matchLabels: plan.selector },
      template: {
        metadata: {
          labels: plan.podLabels,
          annotations: {
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(plan.port),
            'prometheus.io/path': BRIDGE_ROUTES.metrics,
          },
        },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: BRIDGE_CONTAINER,
              image: plan.image,
              args: ['bridge'],
              env: [...plan.env, ...BRIDGE_PROCESS_ENV],
              envFrom: plan.envFrom,
              ports: [{ name: 'http', containerPort: plan.port }],
              readinessProbe: { httpGet: { path: BRIDGE_ROUTES.readiness, port: 'http' }, periodSeconds: 5 },
              livenessProbe: {
                httpGet: { path: BRIDGE_ROUTES.liveness, port: 'http' },
                periodSeconds: 10,
                failureThreshold: 3,
              },
              resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
              securityContext: containerSecurity(true),
              ...(plan.volumeMounts.length > 0 ? { volumeMounts: plan.volumeMounts } : {}),
            },
          ],
          ...(plan.volumes.length > 0 ? { volumes: plan.volumes } : {}),
        },
      },
    },
  };
}
