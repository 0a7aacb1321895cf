import { checkImageReference } from './check-image-reference.ts';
import type { KubeObject } from './component-spec.ts';
import type { Diagnostics, FieldPath } from './diagnostics.ts';
import { reportFeatureFlag } from './report-feature-flag.ts';

export type ContainerRole = 'serving' | 'sidecar' | 'init';

// Knative Serving's ContainerMask (pkg/apis/serving/fieldmask.go): anything else is rejected.
const CONTAINER_FIELDS = new Set([
  'name',
  'image',
  'imagePullPolicy',
  'command',
  'args',
  'workingDir',
  'env',
  'envFrom',
  'ports',
  'resources',
  'securityContext',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'volumeMounts',
]);
const SECURITY_CONTEXT_FIELDS = new Set([
  'capabilities',
  'readOnlyRootFilesystem',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'allowPrivilegeEscalation',
  'seccompProfile',
  'privileged',
]);
const MOUNT_FIELDS = new Set(['name', 'readOnly', 'mountPath', 'subPath', 'mountPropagation']);
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'] as const;
const RESERVED_MOUNT_PATHS = new Set(['/', '/dev', '/dev/log']);

/** Whether Knative reserves an env name in a container of this role (`PORT`, `K_*`). */
export function isReservedEnvName(name: string, role: ContainerRole): boolean {
  return name.startsWith('K_') || (role === 'serving' && name === 'PORT');
}

/**
 * Knative Serving's admission rules for one container of a revision (knative-keda.md §2.3–2.6),
 * checked on the Function Mesh input so the message names the field the user wrote. The CRD
 * schema does not catch these; the webhook would, at `kubectl apply` time.
 */
export function checkKnativeContainer(
  container: KubeObject,
  path: FieldPath,
  role: ContainerRole,
  d: Diagnostics,
  strict: boolean,
): void {
  for (const key of Object.keys(container)) {
    if (CONTAINER_FIELDS.has(key)) continue;
    d.error({
      path: [...path, key],
      rule:
        key === 'lifecycle'
          ? 'Knative does not allow lifecycle hooks (preStop/postStart) in a revision'
          : `Knative does not allow ${key} in a revision container`,
    });
  }
  if (role !== 'serving' && Array.isArray(container['ports']) && container['ports'].length > 0) {
    d.error({
      path: [...path, 'ports'],
      rule: 'Knative allows one container port per revision, and it belongs to the function container',
    });
  }
  if (role !== 'serving') checkImageReference(container['image'], [...path, 'image'], d);
  checkEnv(container['env'], [...path, 'env'], role, d, strict);
  const resources = container['resources'];
  if (typeof resources === 'object' && resources !== null) {
    for (const key of Object.keys(resources)) {
      if (key !== 'limits' && key !== 'requests') {
        d.error({
          path: [...path, 'resources', key],
          rule: 'Knative allows only resources.limits and resources.requests',
        });
      }
    }
  }
  checkSecurityContext(container['securityContext'], [...path, 'securityContext'], d, strict);
  for (const probe of PROBES) {
    const value = container[probe];
    if (value === undefined || value === null) continue;
    const probePath = [...path, probe];
    if (role === 'init') {
      d.error({ path: probePath, rule: 'Knative does not allow probes on init containers' });
      continue;
    }
    if (role === 'sidecar') reportFeatureFlag(d, strict, probePath, 'multi-container-probing');
    checkProbe(value as KubeObject, probePath, role, d);
  }
  checkVolumeMounts(container['volumeMounts'], [...path, 'volumeMounts'], d, strict);
}

/** One env list, as Knative checks it (reserved names; fieldRef behind a flag). */
export function checkEnv(
  env: unknown,
  path: FieldPath,
  role: ContainerRole,
  d: Diagnostics,
  strict: boolean,
): void {
  if (!Array.isArray(env)) return;
  env.forEach((item: KubeObject, i) => {
    const name = item['name'];
    if (typeof name === 'string' && isReservedEnvName(name, role)) {
      d.error({
        path: [...path, i, 'name'],
        rule:
          name === 'PORT'
            ? 'PORT is set by Knative from the container port'
            : 'K_* variables are reserved by Knative',
        value: name,
      });
    }
    const from = item['valueFrom'] as KubeObject | undefined;
    for (const ref of ['fieldRef', 'resourceFieldRef']) {
      if (from?.[ref] !== undefined)
        reportFeatureFlag(d, strict, [...path, i, 'valueFrom', ref], 'kubernetes.podspec-fieldref');
    }
  });
}

function checkSecurityContext(value: unknown, path: FieldPath, d: Diagnostics, strict: boolean): void {
  if (typeof value !== 'object' || value === null) return;
  const sc = value as KubeObject;
  for (const key of Object.keys(sc)) {
    if (!SECURITY_CONTEXT_FIELDS.has(key)) {
      d.error({
        path: [...path, key],
        rule: `Knative does not allow securityContext.${key} in a revision container`,
      });
    }
  }
  if (sc['privileged'] === true) {
    d.error({
      path: [...path, 'privileged'],
      rule: 'Knative does not allow privileged containers',
      value: true,
    });
  }
  const add = (sc['capabilities'] as KubeObject | undefined)?.['add'];
  if (Array.isArray(add) && add.length > 0) {
    reportFeatureFlag(
      d,
      strict,
      [...path, 'capabilities', 'add'],
      'kubernetes.containerspec-addcapabilities',
    );
  }
}

/** A user probe on the function (serving) container. */
export function checkServingProbe(probe: KubeObject, path: FieldPath, d: Diagnostics): void {
  checkProbe(probe, path, 'serving', d);
}

function checkProbe(probe: KubeObject, path: FieldPath, role: ContainerRole, d: Diagnostics): void {
  const handlers = PROBE_HANDLERS.filter((h) => probe[h] !== undefined && probe[h] !== null);
  if (handlers.length !== 1) {
    d.error({ path, rule: 'a probe needs exactly one of httpGet, tcpSocket, exec, grpc' });
    return;
  }
  const port = (probe[handlers[0]!] as KubeObject)['port'];
  if (role === 'serving' && typeof port === 'string') {
    d.error({
      path: [...path, handlers[0]!, 'port'],
      rule: 'on the function container, probe a port by number (its serving port is unnamed)',
      value: port,
    });
  }
}

/** Volume mounts as Knative checks them (allowed fields, absolute unique paths, propagation flag). */
export function checkVolumeMounts(value: unknown, path: FieldPath, d: Diagnostics, strict: boolean): void {
  if (!Array.isArray(value)) return;
  const seen = new Set<string>();
  value.forEach((mount: KubeObject, i) => {
    for (const key of Object.keys(mount)) {
      if (!MOUNT_FIELDS.has(key)) {
        d.error({ path: [...path, i, key], rule: `Knative does not allow ${key} in a volume mount` });
      }
    }
    if (mount['mountPropagation'] !== undefined) {
      reportFeatureFlag(
        d,
        strict,
        [...path, i, 'mountPropagation'],
        'kubernetes.podspec-volumes-mount-propagation',
      );
    }
    const mountPath = mount['mountPath'];
    if (typeof mountPath === 'string') {
      if (!mountPath.startsWith('/') || RESERVED_MOUNT_PATHS.has(mountPath)) {
        d.error({
          path: [...path, i, 'mountPath'],
          rule: 'must be an absolute path other than /, /dev and /dev/log (Knative)',
          value: mountPath,
        });
      } else if (seen.has(mountPath)) {
        d.error({
          path: [...path, i, 'mountPath'],
          rule: 'mount paths must be unique (Knative)',
          value: mountPath,
        });
      }
      seen.add(mountPath);
    }
  });
}

// Knative keeps this name for the container it injects into every revision pod.
const RESERVED_CONTAINER_NAMES = new Set(['queue-proxy']);

/**
 * Container names of a revision pod: DNS-1123 labels, unique across the serving container (named
 * by knmesh), sidecars and init containers, and not Knative's own `queue-proxy`.
 */
export function checkContainerNames(
  servingName: string,
  others: readonly { readonly container: KubeObject; readonly path: FieldPath }[],
  d: Diagnostics,
): void {
  const seen = new Set([servingName]);
  for (const { container, path } of others) {
    const name = container['name'];
    if (typeof name !== 'string') continue;
    const at = [...path, 'name'];
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      d.error({ path: at, rule: 'must be a DNS-1123 label', value: name });
    } else if (RESERVED_CONTAINER_NAMES.has(name)) {
      d.error({
        path: at,
        rule: 'is reserved by Knative for the container it adds to every revision',
        value: name,
      });
    } else if (seen.has(name)) {
      d.error({
        path: at,
        rule:
          name === servingName
            ? `is the name of the function container knmesh generates`
            : 'container names must be unique in a pod',
        value: name,
      });
    }
    seen.add(name);
  }
}
