import type { KubernetesObject } from '../translate/kubernetes-object.ts';
import type { ContainerSpec } from './container-spec.ts';

export type LocalRole = 'serve' | 'bridge' | 'ingress';

/** One knmesh container of the translated objects, to be run as a local process. */
export interface LocalProcessSpec {
  /** Name of the object that runs it (Knative Service or Deployment). */
  readonly name: string;
  readonly role: LocalRole;
  readonly container: ContainerSpec;
  /** For a Knative Service: in-cluster URLs naming this Service resolve to the local process. */
  readonly serviceName: string | undefined;
}

export interface SkippedObject {
  readonly name: string;
  readonly kind: string;
  readonly reason: string;
}

export interface LocalPlan {
  /** In start order: functions first, then bridges, then ingresses. */
  readonly processes: readonly LocalProcessSpec[];
  readonly skipped: readonly SkippedObject[];
}

const ROLE_ORDER: Readonly<Record<LocalRole, number>> = { serve: 0, bridge: 1, ingress: 2 };

function podContainers(object: KubernetesObject): readonly ContainerSpec[] {
  const spec = object['spec'] as { template?: { spec?: { containers?: ContainerSpec[] } } } | undefined;
  return spec?.template?.spec?.containers ?? [];
}

/**
 * Decides what `knmesh dev` runs: every container of the translated objects that runs the knmesh
 * image (`serve`, `bridge`, `ingress`), exactly as configured there. Anything else — a user's
 * container image, a ScaledObject — needs a cluster and is listed as skipped, with the reason.
 */
export function planLocalRun(objects: readonly KubernetesObject[], knmeshImage: string): LocalPlan {
  const processes: LocalProcessSpec[] = [];
  const skipped: SkippedObject[] = [];
  for (const object of objects) {
    const name = object.metadata.name;
    if (object.kind === 'ScaledObject' || object.kind === 'TriggerAuthentication') {
      skipped.push({ name, kind: object.kind, reason: 'autoscaling needs a cluster; dev runs one replica' });
      continue;
    }
    const containers = podContainers(object);
    if (containers.length === 0) {
      skipped.push({ name, kind: object.kind, reason: 'not a workload' });
      continue;
    }
    const knmesh = containers.filter((c) => c.image === knmeshImage);
    const role = knmesh[0]?.args?.[0];
    if (knmesh.length !== 1 || (role !== 'serve' && role !== 'bridge' && role !== 'ingress')) {
      const image = containers.find((c) => c.image !== knmeshImage)?.image ?? containers[0]!.image;
      skipped.push({
        name,
        kind: object.kind,
        reason: `runs the container image ${image}, which needs a cluster`,
      });
      continue;
    }
    processes.push({
      name,
      role,
      container: knmesh[0]!,
      serviceName: object.kind === 'Service' ? name : undefined,
    });
  }
  processes.sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
  return { processes, skipped };
}
